import { describe, expect, it } from 'vitest';
import { INITIAL_HEALTH, observeHealth, type HealthTracker } from './health-debounce.js';

const feed = (results: readonly boolean[], thresholds = { failureThreshold: 3, successThreshold: 2 }) => {
  let tracker: HealthTracker = INITIAL_HEALTH;
  const transitions: string[] = [];
  results.forEach((ok, i) => {
    const step = observeHealth(tracker, ok, i * 1000, thresholds);
    tracker = step.tracker;
    if (step.transition) transitions.push(`${step.transition}@${i}`);
  });
  return { tracker, transitions };
};

describe('health check debouncing', () => {
  it('goes up after the success threshold and down only after the failure threshold in a row', () => {
    expect(feed([true]).tracker.state).toBe('unknown');
    expect(feed([true, true, false, false, false]).transitions).toEqual(['up@1', 'down@4']);
  });

  it('ignores isolated failures and isolated recoveries (no flapping)', () => {
    const r = feed([
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(r.transitions).toEqual(['up@1', 'down@9', 'up@13']);
  });

  it('records when the state last changed', () => {
    const r = feed([true, true, true, false, false, false, false]);
    expect(r.tracker).toEqual({
      state: 'down',
      consecutiveFailures: 4,
      consecutiveSuccesses: 0,
      sinceMs: 5000,
    });
  });

  it('flips at once with thresholds of 1', () => {
    expect(feed([false, true, false], { failureThreshold: 1, successThreshold: 1 }).transitions).toEqual([
      'down@0',
      'up@1',
      'down@2',
    ]);
  });
});
