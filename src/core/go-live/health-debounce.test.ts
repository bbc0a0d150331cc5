import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INITIAL_HEALTH, debounceHealth, observeHealth } from './health-debounce.js';

const t = { failureThreshold: 3, recoveryThreshold: 2 };

describe('health debounce', () => {
  it('does not go unhealthy on fewer consecutive failures than the threshold', () => {
    const s = debounceHealth([true, true, false, false, true, false, false], t);
    expect(s.status).toBe('healthy');
    expect(s.consecutiveFailures).toBe(2);
  });

  it('goes unhealthy on the threshold-th consecutive failure and says it changed', () => {
    const before = debounceHealth([true, true, false, false], t);
    const after = observeHealth(before, false, t);
    expect(after).toEqual({
      status: 'unhealthy',
      consecutiveSuccesses: 0,
      consecutiveFailures: 3,
      changed: true,
    });
    expect(observeHealth(after, false, t).changed).toBe(false);
  });

  it('recovers only after recoveryThreshold consecutive successes', () => {
    const down = debounceHealth([false, false, false], t);
    expect(observeHealth(down, true, t).status).toBe('unhealthy');
    expect(debounceHealth([true, false, true, true], t, down).status).toBe('healthy');
  });

  it('decides from unknown by whichever threshold is reached first', () => {
    expect(debounceHealth([true], t).status).toBe('unknown');
    expect(debounceHealth([true, true], t).status).toBe('healthy');
    expect(debounceHealth([false, false, false], t).status).toBe('unhealthy');
    expect(INITIAL_HEALTH.status).toBe('unknown');
  });

  it('treats thresholds below 1 as 1', () => {
    expect(debounceHealth([false], { failureThreshold: 0, recoveryThreshold: -2 }).status).toBe('unhealthy');
  });

  it('never flips status on a run shorter than the threshold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        (results, f, r) => {
          let state = INITIAL_HEALTH;
          for (const ok of results) {
            const next = observeHealth(state, ok, { failureThreshold: f, recoveryThreshold: r });
            if (next.status === 'unhealthy' && state.status !== 'unhealthy') {
              expect(next.consecutiveFailures).toBe(f);
            }
            if (next.status === 'healthy' && state.status !== 'healthy') {
              expect(next.consecutiveSuccesses).toBe(r);
            }
            state = next;
          }
        },
      ),
    );
  });
});
