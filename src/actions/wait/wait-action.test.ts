import { describe, expect, it } from 'vitest';
import { testActionContext } from '../../../test/support/action-context.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { waitAction } from './wait-action.js';

const ctx = (clock: ManualClock, signal = new AbortController().signal) =>
  testActionContext({ clock, signal });

describe('the wait action', () => {
  it('waits for its duration on the run clock', async () => {
    const clock = new ManualClock(0);
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
    const clock = new ManualClock(0);
    const c = new AbortController();
    const p = waitAction.execute(ctx(clock, c.signal), { duration: '1h' });
    c.abort(new Error('stop'));
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
