import { compileCondition, type CompiledCondition } from '../conditions/condition.js';
import { TminusError } from '../tminus-error.js';
import { INITIAL_HEALTH, observeHealth, type HealthState, type HealthThresholds } from './health-debounce.js';

/** What one measurement says (Argo Rollouts' measurement phases). */
export type MeasurementOutcome = 'successful' | 'failed' | 'inconclusive' | 'error';

/** Where a monitor stands; `failed`, `error` and `inconclusive` are final and feed rollback criteria. */
export type MonitorPhase = 'pending' | 'running' | 'successful' | 'failed' | 'inconclusive' | 'error';

export interface MonitorLimits {
  /** Failed measurements tolerated; one more fails the monitor. −1 disables. Default 0. */
  readonly failureLimit: number;
  /** Inconclusive measurements tolerated; one more makes the monitor inconclusive (ask a person). Default 0. */
  readonly inconclusiveLimit: number;
  /** Consecutive errors tolerated; one more makes the monitor `error`. Default 4. */
  readonly consecutiveErrorLimit: number;
  /** Measurements after which the monitor is done; undefined runs until stopped. */
  readonly count?: number | undefined;
  /** Consecutive successes that end the monitor as successful early (0 or undefined: off). */
  readonly consecutiveSuccessLimit?: number | undefined;
}

/** Counters of one monitor, updated per measurement (Argo's MetricResult). */
export interface MonitorCounters {
  /** Completed non-error measurements. */
  readonly count: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveError: number;
  readonly consecutiveSuccess: number;
}

export const EMPTY_COUNTERS: MonitorCounters = {
  count: 0,
  successful: 0,
  failed: 0,
  inconclusive: 0,
  error: 0,
  consecutiveError: 0,
  consecutiveSuccess: 0,
};

/**
 * Adds one measurement. Failures and inconclusives are cumulative; errors are consecutive and do not count
 * towards `count` (a flaky metrics server should not use up the analysis).
 */
export function recordMeasurement(c: MonitorCounters, outcome: MeasurementOutcome): MonitorCounters {
  switch (outcome) {
    case 'successful':
      return {
        ...c,
        count: c.count + 1,
        successful: c.successful + 1,
        consecutiveError: 0,
        consecutiveSuccess: c.consecutiveSuccess + 1,
      };
    case 'failed':
      return { ...c, count: c.count + 1, failed: c.failed + 1, consecutiveError: 0, consecutiveSuccess: 0 };
    case 'inconclusive':
      return {
        ...c,
        count: c.count + 1,
        inconclusive: c.inconclusive + 1,
        consecutiveError: 0,
        consecutiveSuccess: 0,
      };
    case 'error':
      return { ...c, error: c.error + 1, consecutiveError: c.consecutiveError + 1, consecutiveSuccess: 0 };
  }
}

/** Which limit, if any, has been passed; error beats inconclusive beats failed (as in Argo). */
function limitPhase(limits: MonitorLimits, c: MonitorCounters): MonitorPhase | undefined {
  let phase: MonitorPhase | undefined;
  if (limits.failureLimit >= 0 && c.failed > limits.failureLimit) phase = 'failed';
  if (c.inconclusive > limits.inconclusiveLimit) phase = 'inconclusive';
  if (c.consecutiveError > limits.consecutiveErrorLimit) phase = 'error';
  return phase;
}

/**
 * The phase of a monitor from its counters (Argo Rollouts `assessMetricStatus`). `stopping` is true when the
 * monitor's window has ended or the run is stopping it: then a monitor within its limits is successful.
 */
export function assessMonitor(limits: MonitorLimits, c: MonitorCounters, stopping = false): MonitorPhase {
  if (c.count === 0 && c.error === 0) return stopping ? 'successful' : 'pending';
  const limited = limitPhase(limits, c);
  if (limited) return limited;
  const successLimit = limits.consecutiveSuccessLimit ?? 0;
  if (successLimit > 0 && c.consecutiveSuccess >= successLimit) return 'successful';
  if (limits.count !== undefined && c.count >= limits.count) {
    const failureApplies = limits.failureLimit >= 0;
    if (failureApplies && successLimit > 0) return 'inconclusive';
    if (successLimit > 0) return 'failed';
    return 'successful';
  }
  return stopping ? 'successful' : 'running';
}

/** Is this phase final (no more measurements)? */
export const isFinalPhase = (phase: MonitorPhase): boolean => phase !== 'pending' && phase !== 'running';

const ORDER: readonly MonitorPhase[] = [
  'successful',
  'running',
  'pending',
  'inconclusive',
  'error',
  'failed',
];

/** The worst of several monitors' phases, for a run-level verdict (Argo `assessRunStatus`). */
export function worstPhase(phases: readonly MonitorPhase[]): MonitorPhase {
  return phases.reduce<MonitorPhase>((w, p) => (ORDER.indexOf(p) > ORDER.indexOf(w) ? p : w), 'successful');
}

/** A monitor's conditions, compiled once. */
export interface MeasurementConditions {
  readonly failWhen?: CompiledCondition | undefined;
  readonly successWhen?: CompiledCondition | undefined;
}

/** Compiles `failWhen`/`successWhen` on `result`; throws `CONDITION_INVALID` naming the column. */
export function compileMeasurementConditions(texts: {
  readonly failWhen?: string | undefined;
  readonly successWhen?: string | undefined;
}): MeasurementConditions {
  const options = { variables: ['result'] };
  return {
    failWhen: texts.failWhen === undefined ? undefined : compileCondition(texts.failWhen, options),
    successWhen: texts.successWhen === undefined ? undefined : compileCondition(texts.successWhen, options),
  };
}

export interface MeasurementJudgement {
  readonly outcome: MeasurementOutcome;
  readonly reason: string;
}

/**
 * One measurement's outcome (Argo `EvaluateResult`): failure wins when both conditions hold; neither holding
 * is inconclusive; an evaluation error (e.g. `result[0]` of an empty vector) is an error. An action that
 * already judged its data inconclusive or an error (no data, NaN) keeps that verdict: conditions cannot turn
 * missing data into a pass.
 */
export function judgeMeasurement(
  conditions: MeasurementConditions,
  value: unknown,
  actionOutcome: MeasurementOutcome = 'successful',
): MeasurementJudgement {
  if (actionOutcome !== 'successful') {
    return { outcome: actionOutcome, reason: `the measurement was ${actionOutcome}` };
  }
  const { failWhen, successWhen } = conditions;
  if (!failWhen && !successWhen) return { outcome: 'successful', reason: 'no condition' };
  let fail: boolean;
  let success: boolean;
  try {
    fail = failWhen ? failWhen.evaluate({ result: value }) : false;
    success = successWhen ? successWhen.evaluate({ result: value }) : false;
  } catch (error) {
    if (error instanceof TminusError) return { outcome: 'error', reason: error.message };
    throw error;
  }
  if (successWhen && !failWhen) fail = !success;
  if (failWhen && !successWhen) success = !fail;
  if (fail) {
    return {
      outcome: 'failed',
      reason: failWhen
        ? `failWhen '${failWhen.text}' is true`
        : `successWhen '${successWhen?.text}' is false`,
    };
  }
  if (!success) return { outcome: 'inconclusive', reason: 'neither failWhen nor successWhen is true' };
  return {
    outcome: 'successful',
    reason: successWhen
      ? `successWhen '${successWhen.text}' is true`
      : `failWhen '${failWhen?.text}' is false`,
  };
}

/** Error codes that mean "could not measure" (the provider or the plan failed), not "the target is bad". */
const MEASUREMENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'METRICS_UNREACHABLE',
  'METRICS_QUERY_FAILED',
  'AWS_REQUEST_FAILED',
  'DNS_PROVIDER_ERROR',
  'CONDITION_ERROR',
  'SECRET_UNRESOLVED',
  'UNKNOWN_CONNECTION',
  'INVALID_PARAMS',
  'ACTION_MISSING',
  'INTERNAL',
]);

/** What one run of a monitor's action gave: a value (and the action's own data verdict), or an error. */
export type ActionResult =
  | {
      readonly kind: 'value';
      readonly value: unknown;
      readonly outcome?: MeasurementOutcome;
      readonly reason?: string;
    }
  | { readonly kind: 'thrown'; readonly code: string; readonly message: string };

/**
 * Judges one monitor measurement from its action's result. A check that throws (a health check failing,
 * `sql.assert` false) is a failed measurement; a provider that could not answer (Prometheus unreachable, a
 * query rejected) is an error, which counts against `consecutiveErrorLimit`, never as a pass or a failure.
 */
export function judgeActionResult(
  conditions: MeasurementConditions,
  result: ActionResult,
): MeasurementJudgement {
  if (result.kind === 'thrown') {
    return {
      outcome: MEASUREMENT_ERROR_CODES.has(result.code) ? 'error' : 'failed',
      reason: `${result.code}: ${result.message}`,
    };
  }
  const judged = judgeMeasurement(conditions, result.value, result.outcome ?? 'successful');
  return result.outcome !== undefined && result.outcome !== 'successful' && result.reason
    ? { outcome: judged.outcome, reason: result.reason }
    : judged;
}

/** What a monitor is, for the pure bookkeeping: its limits, dry-run flag and health debouncing. */
export interface MonitorSpec extends MonitorLimits {
  readonly dryRun?: boolean | undefined;
  readonly debounce?: HealthThresholds | undefined;
}

/** One recorded measurement, as the journal keeps it. */
export interface Measurement {
  /** 1, 2, 3, … per monitor: a measurement recorded twice (a resumed executor) is counted once. */
  readonly n: number;
  readonly atMs: number;
  /** What the action said, before debouncing. */
  readonly raw: MeasurementOutcome;
  /** What counts (after debouncing). */
  readonly outcome: MeasurementOutcome;
  readonly reason: string;
  readonly value?: unknown;
}

/** A monitor's progress: its counters, debounced health and phase, folded from its measurements. */
export interface MonitorProgress {
  readonly counters: MonitorCounters;
  readonly health: HealthState;
  readonly phase: MonitorPhase;
  /** Measurements recorded, the next one is `taken + 1`. */
  readonly taken: number;
  readonly lastAtMs: number | undefined;
  readonly lastOutcome: MeasurementOutcome | undefined;
  /** The latest measurements, newest last (Argo keeps 10). */
  readonly recent: readonly Measurement[];
}

export const MEASUREMENT_HISTORY = 10;

export const INITIAL_PROGRESS: MonitorProgress = {
  counters: EMPTY_COUNTERS,
  health: INITIAL_HEALTH,
  phase: 'pending',
  taken: 0,
  lastAtMs: undefined,
  lastOutcome: undefined,
  recent: [],
};

/**
 * The outcome that counts, after health debouncing: a failure counts only once `failureThreshold` failures
 * came in a row, and once failing a monitor stays failed until `recoveryThreshold` successes in a row.
 * Errors and inconclusive measurements pass through (they say nothing about the target's health). A raw
 * failure absorbed by the debounce is recorded with its reason, so it is visible, but counts as successful.
 */
export function debounceOutcome(
  spec: MonitorSpec,
  health: HealthState,
  judged: MeasurementJudgement,
): { health: HealthState; outcome: MeasurementOutcome; reason: string } {
  if (!spec.debounce || (judged.outcome !== 'successful' && judged.outcome !== 'failed')) {
    return { health, outcome: judged.outcome, reason: judged.reason };
  }
  const ok = judged.outcome === 'successful';
  const next = observeHealth(health, ok, spec.debounce);
  const { failureThreshold, recoveryThreshold } = spec.debounce;
  if (next.status === 'unhealthy') {
    return {
      health: next,
      outcome: 'failed',
      reason: ok
        ? `${judged.reason}; still unhealthy (${next.consecutiveSuccesses} of ${recoveryThreshold} successes to recover)`
        : judged.reason,
    };
  }
  return {
    health: next,
    outcome: 'successful',
    reason: ok
      ? judged.reason
      : `${judged.reason}; debounced (${next.consecutiveFailures} of ${failureThreshold} failures in a row)`,
  };
}

/**
 * Folds one recorded measurement into a monitor's progress. Idempotent per `n`: a measurement already folded
 * (or one that skips ahead) is ignored, which is what makes a crash and resume count each exactly once.
 * A final phase does not move (a failed monitor stays failed).
 */
export function applyMeasurement(spec: MonitorSpec, p: MonitorProgress, m: Measurement): MonitorProgress {
  if (m.n !== p.taken + 1 || isFinalPhase(p.phase)) return p;
  const counters = recordMeasurement(p.counters, m.outcome);
  const health =
    spec.debounce && (m.raw === 'successful' || m.raw === 'failed')
      ? observeHealth(p.health, m.raw === 'successful', spec.debounce)
      : p.health;
  return {
    counters,
    health,
    phase: assessMonitor(spec, counters),
    taken: m.n,
    lastAtMs: m.atMs,
    lastOutcome: m.outcome,
    recent: [...p.recent, m].slice(-MEASUREMENT_HISTORY),
  };
}

/** The phase a monitor ends with when its window closes or the watch ends: within its limits is success. */
export const closeMonitor = (spec: MonitorSpec, p: MonitorProgress): MonitorPhase =>
  isFinalPhase(p.phase) ? p.phase : assessMonitor(spec, p.counters, true);

/**
 * The verdict over every monitor (Argo `assessRunStatus`): the worst phase among non-dry-run monitors. A
 * dry-run monitor is measured and shown but never decides anything.
 */
export function watchPhase(
  monitors: readonly { readonly spec: MonitorSpec; readonly progress: MonitorProgress }[],
): MonitorPhase {
  return worstPhase(monitors.filter((m) => !m.spec.dryRun).map((m) => m.progress.phase));
}
