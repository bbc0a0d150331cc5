import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import type { RunStore } from '../store/store.js';
import { keepRunLease } from './run-lease.js';

/** A store that records each renewal's time and answers with `renewed`. */
function renewals(renewed = true): { store: RunStore; at: number[] } {
  const at: number[] = [];
  const store = {
    renewLease: (_runId: string, _holderId: string, nowMs: number) => {
      at.push(nowMs);
      return Promise.resolve(renewed);
    },
  } as unknown as RunStore;
  return { store, at };
}

const holder = { id: 'w1', pid: 1, host: 'h' };

describe('keepRunLease', () => {
  it('renews at once when the grant is older than a third of the lease (a slow start), then every third', async () => {
    const clock = new ManualClock(2_000); // the lease was granted at 0 and lasts 3 s: 2 s went by before driving
    const { store, at } = renewals();
    const stop = new AbortController();
    const kept = keepRunLease(
      store,
      'r1',
      { holder, clock, ttlMs: 3_000, grantedAtMs: 0 },
      stop.signal,
      () => {
        throw new Error('not lost');
      },
    );
    await clock.untilSleeping();
    expect(at).toEqual([2_000]); // not at 3 000, when the lease has run out
    clock.advance(999);
    await clock.untilSleeping();
    expect(at).toEqual([2_000]);
    clock.advance(1);
    await clock.untilSleeping();
    expect(at).toEqual([2_000, 3_000]);
    stop.abort();
    await kept;
  });

  it('without a grant time, the first renewal is a third of the lease after it starts', async () => {
    const clock = new ManualClock(5_000);
    const { store, at } = renewals();
    const stop = new AbortController();
    const kept = keepRunLease(store, 'r1', { holder, clock, ttlMs: 3_000 }, stop.signal, () => undefined);
    await clock.untilSleeping();
    expect(at).toEqual([]);
    clock.advance(1_000);
    await clock.untilSleeping();
    expect(at).toEqual([6_000]);
    stop.abort();
    await kept;
  });

  it('stops and says so when the store no longer renews it (another process took the run)', async () => {
    const clock = new ManualClock(0);
    const { store, at } = renewals(false);
    let lost = 0;
    const kept = keepRunLease(
      store,
      'r1',
      { holder, clock, ttlMs: 3_000, grantedAtMs: 0 },
      new AbortController().signal,
      () => (lost += 1),
    );
    await clock.untilSleeping();
    clock.advance(1_000);
    await kept;
    expect(at).toEqual([1_000]);
    expect(lost).toBe(1);
  });
});
