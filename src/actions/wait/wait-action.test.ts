import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/virtual-clock.js';
import { waitAction } from './wait-action.js';

const ctx = (clock: VirtualClock, signal = new AbortController().signal) =>
  ({ clock, signal, redact: (s: string) => s }) as never;

describe('the wait action', () => {
  it('waits for its duration on the run clock', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    const p = waitAction.execute(ctx(clock), { duration: '10m' }).then((r) => {
      done = true;
      return r;
    });
    clock.advanceTo(599_999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advanceTo(600_000);
    expect(await p).toEqual({ summary: 'waited 10m', output: { waitedMs: 600_000 } });
  });

  it('rejects a duration that is not one and is safe to re-run', () => {
    expect(waitAction.params.safeParse({ duration: 'ten minutes' }).success).toBe(false);
    expect(waitAction.params.safeParse({}).success).toBe(false);
    expect(waitAction.idempotent).toBe(true);
  });

  it('stops when aborted', async () => {
    const clock = new VirtualClock(0);
    const c = new AbortController();
    const p = waitAction.execute(ctx(clock, c.signal), { duration: '1h' });
    c.abort(new Error('stop'));
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
