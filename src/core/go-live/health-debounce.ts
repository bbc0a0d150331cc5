/** Consecutive results needed to change state: one flaky answer should not flip a health check. */
export interface HealthThresholds {
  /** Consecutive failures that make a healthy (or unknown) target unhealthy. At least 1. */
  readonly failureThreshold: number;
  /** Consecutive successes that make an unhealthy (or unknown) target healthy. At least 1. */
  readonly recoveryThreshold: number;
}

export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/** The debounced state after some observations. */
export interface HealthState {
  readonly status: HealthStatus;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** Whether the last observation changed `status`. */
  readonly changed: boolean;
}

export const INITIAL_HEALTH: HealthState = {
  status: 'unknown',
  consecutiveSuccesses: 0,
  consecutiveFailures: 0,
  changed: false,
};

/**
 * Folds one check result into the debounced health state (the HAProxy `rise`/`fall` and Kubernetes
 * `successThreshold`/`failureThreshold` semantics). From `unknown`, whichever threshold is reached first
 * decides.
 *
 * @example
 * let s = INITIAL_HEALTH;
 * for (const ok of [true, false, true]) s = observeHealth(s, ok, { failureThreshold: 2, recoveryThreshold: 1 });
 * s.status // 'healthy': the single failure did not reach 2
 */
export function observeHealth(state: HealthState, ok: boolean, thresholds: HealthThresholds): HealthState {
  const failureThreshold = Math.max(1, Math.floor(thresholds.failureThreshold));
  const recoveryThreshold = Math.max(1, Math.floor(thresholds.recoveryThreshold));
  const consecutiveSuccesses = ok ? state.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures = ok ? 0 : state.consecutiveFailures + 1;
  let status = state.status;
  if (ok && status !== 'healthy' && consecutiveSuccesses >= recoveryThreshold) status = 'healthy';
  if (!ok && status !== 'unhealthy' && consecutiveFailures >= failureThreshold) status = 'unhealthy';
  return { status, consecutiveSuccesses, consecutiveFailures, changed: status !== state.status };
}

/** Folds a whole sequence of results; handy for evaluating one check run made of several attempts. */
export function debounceHealth(
  results: readonly boolean[],
  thresholds: HealthThresholds,
  from: HealthState = INITIAL_HEALTH,
): HealthState {
  return results.reduce((state, ok) => observeHealth(state, ok, thresholds), from);
}
