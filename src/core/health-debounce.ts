/** What a debounced health check currently believes. */
export type HealthState = 'unknown' | 'up' | 'down';

export interface DebounceThresholds {
  /** Consecutive failures before `down` (Gatus and Route 53 default: 3). */
  readonly failureThreshold: number;
  /** Consecutive successes before `up` again (Gatus default: 2). */
  readonly successThreshold: number;
}

export const DEFAULT_DEBOUNCE: DebounceThresholds = { failureThreshold: 3, successThreshold: 2 };

export interface HealthTracker {
  readonly state: HealthState;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** When the state last changed (epoch ms from the injected clock), if ever. */
  readonly sinceMs: number | undefined;
}

export const INITIAL_HEALTH: HealthTracker = {
  state: 'unknown',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  sinceMs: undefined,
};

/**
 * Adds one check result. A single failure or success never flips the state: `down` needs
 * `failureThreshold` failures in a row and `up` needs `successThreshold` successes in a row (the users' top
 * complaint about monitors is flapping). Returns the new tracker and the transition, if any.
 */
export function observeHealth(
  tracker: HealthTracker,
  ok: boolean,
  atMs: number,
  thresholds: DebounceThresholds = DEFAULT_DEBOUNCE,
): { readonly tracker: HealthTracker; readonly transition: 'up' | 'down' | undefined } {
  const failures = ok ? 0 : tracker.consecutiveFailures + 1;
  const successes = ok ? tracker.consecutiveSuccesses + 1 : 0;
  let state = tracker.state;
  if (!ok && state !== 'down' && failures >= thresholds.failureThreshold) state = 'down';
  if (ok && state !== 'up' && successes >= thresholds.successThreshold) state = 'up';
  const changed = state !== tracker.state;
  return {
    tracker: {
      state,
      consecutiveFailures: failures,
      consecutiveSuccesses: successes,
      sinceMs: changed ? atMs : tracker.sinceMs,
    },
    transition: changed ? (state === 'up' ? 'up' : 'down') : undefined,
  };
}
