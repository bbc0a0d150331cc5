import { describe, expect, it } from 'vitest';
import {
  INITIAL_PROGRESS,
  applyMeasurement,
  closeMonitor,
  compileMeasurementConditions,
  debounceOutcome,
  judgeActionResult,
  watchPhase,
  type ActionResult,
  type MeasurementOutcome,
  type MonitorPhase,
  type MonitorProgress,
  type MonitorSpec,
} from './monitor-analysis.js';
import { INITIAL_HEALTH } from './health-debounce.js';
import { monitorTiming } from './monitor-timing.js';
import type { Monitor } from '../plan/plan.js';

const value = (v: unknown, outcome?: MeasurementOutcome, reason?: string): ActionResult => ({
  kind: 'value',
  value: v,
  ...(outcome ? { outcome } : {}),
  ...(reason ? { reason } : {}),
});
const thrown = (code: string): ActionResult => ({ kind: 'thrown', code, message: 'it broke' });

describe('judging an action result (table)', () => {
  const failAbove = { failWhen: 'result > 0.02' };
  const both = { failWhen: 'result > 0.05', successWhen: 'result < 0.01' };
  const argoIndex = { successWhen: 'result[0] >= 0.95' };
  const table: [string, { failWhen?: string; successWhen?: string }, ActionResult, MeasurementOutcome][] = [
    ['below the threshold', failAbove, value(0.01), 'successful'],
    ['exactly at the threshold (not above)', failAbove, value(0.02), 'successful'],
    ['above the threshold', failAbove, value(0.0200001), 'failed'],
    [
      'no data, judged by the action',
      failAbove,
      value([], 'inconclusive', 'the query returned no data'),
      'inconclusive',
    ],
    ['no data handed to result[0]', { failWhen: 'result[0] > 0.02' }, value([]), 'error'],
    ['NaN, judged by the action', failAbove, value(NaN, 'error', 'the query returned NaN'), 'error'],
    [
      'NaN through failWhen alone never passes silently',
      { successWhen: 'result < 0.02' },
      value(NaN),
      'failed',
    ],
    ['NaN with both conditions', both, value(NaN), 'inconclusive'],
    ['NaN through default() stays NaN', { successWhen: 'default(result, 0) < 0.02' }, value(NaN), 'failed'],
    [
      'null through default() is replaced',
      { successWhen: 'default(result, 0) < 0.02' },
      value(null),
      'successful',
    ],
    ['+Inf fails a ceiling', failAbove, value(Infinity), 'failed'],
    ['-Inf passes a ceiling (it is a number)', failAbove, value(-Infinity), 'successful'],
    ['+Inf caught explicitly', { failWhen: 'isInf(result) or result > 0.02' }, value(-Infinity), 'failed'],
    ['a number compared with a string', { failWhen: 'result == "1.1"' }, value(1.1), 'error'],
    ['a single series read as result[0] (Argo style)', argoIndex, value(0.97), 'successful'],
    ['a single series read as result[0], too low', argoIndex, value(0.9), 'failed'],
    ['neither condition holds', both, value(0.03), 'inconclusive'],
    ['Prometheus unreachable is a provider error', failAbove, thrown('METRICS_UNREACHABLE'), 'error'],
    ['a rejected query is a provider error', failAbove, thrown('METRICS_QUERY_FAILED'), 'error'],
    ['a failing health check is a failed measurement', {}, thrown('CHECK_FAILED'), 'failed'],
    ['an unreachable target is a failed measurement', {}, thrown('UNREACHABLE'), 'failed'],
    ['a check that passes, with no condition', {}, value({ status: 200 }), 'successful'],
  ];
  it.each(table)('%s', (_name, texts, result, expected) => {
    expect(judgeActionResult(compileMeasurementConditions(texts), result).outcome).toBe(expected);
  });

  it("keeps the action's reason for a non-successful verdict and names the code of an error", () => {
    const c = compileMeasurementConditions({ failWhen: 'result > 1' });
    expect(judgeActionResult(c, value([], 'inconclusive', 'the query returned no data')).reason).toBe(
      'the query returned no data',
    );
    expect(judgeActionResult(c, thrown('METRICS_UNREACHABLE')).reason).toBe('METRICS_UNREACHABLE: it broke');
  });
});

const spec = (s: Partial<MonitorSpec> = {}): MonitorSpec => ({
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  ...s,
});
const fold = (s: MonitorSpec, outcomes: readonly MeasurementOutcome[]): MonitorProgress =>
  outcomes.reduce(
    (p, o, i) => applyMeasurement(s, p, { n: i + 1, atMs: i * 1000, raw: o, outcome: o, reason: o }),
    INITIAL_PROGRESS,
  );
const S = 'successful' as const;
const F = 'failed' as const;
const I = 'inconclusive' as const;
const E = 'error' as const;

describe('a monitor over its measurements (table)', () => {
  const table: [string, Partial<MonitorSpec>, MeasurementOutcome[], MonitorPhase][] = [
    ['no measurement yet', {}, [], 'pending'],
    ['one success, runs on', {}, [S], 'running'],
    ['first failure with the default limit 0', {}, [S, F], 'failed'],
    ['failures exactly at failureLimit 2', { failureLimit: 2 }, [F, S, F], 'running'],
    ['one past failureLimit 2', { failureLimit: 2 }, [F, S, F, F], 'failed'],
    ['failureLimit -1 never fails on failures', { failureLimit: -1 }, [F, F, F, F, F], 'running'],
    ['inconclusive exactly at inconclusiveLimit 1', { inconclusiveLimit: 1 }, [I, S], 'running'],
    ['one past inconclusiveLimit 1', { inconclusiveLimit: 1 }, [I, I], 'inconclusive'],
    ['4 errors in a row (limit 4)', {}, [E, E, E, E], 'running'],
    ['5 errors in a row', {}, [E, E, E, E, E], 'error'],
    ['errors broken by a success', {}, [E, E, E, E, S, E, E, E, E], 'running'],
    ['errors do not use up count', { count: 2 }, [E, S, E], 'running'],
    ['count reached within the limits', { count: 3, failureLimit: 1 }, [S, F, S], 'successful'],
    [
      'count reached with consecutive successes pending',
      { count: 3, failureLimit: 1, consecutiveSuccessLimit: 2 },
      [S, F, S],
      'inconclusive',
    ],
    ['consecutive successes reached', { consecutiveSuccessLimit: 2 }, [F, S, S].slice(1), 'successful'],
    [
      'count reached, failureLimit -1, no success streak',
      { count: 2, failureLimit: -1, consecutiveSuccessLimit: 2 },
      [S, F],
      'failed',
    ],
    ['a final phase does not move', {}, [F, S, S, S], 'failed'],
  ];
  it.each(table)('%s', (_name, s, outcomes, expected) => {
    expect(fold(spec(s), outcomes).phase).toBe(expected);
  });

  it('counts a measurement recorded twice (a resumed executor) once, and ignores one that skips ahead', () => {
    const s = spec({ failureLimit: 5 });
    const once = fold(s, [S, F]);
    const again = applyMeasurement(s, once, { n: 2, atMs: 1, raw: F, outcome: F, reason: 'x' });
    expect(again).toBe(once);
    expect(applyMeasurement(s, once, { n: 9, atMs: 1, raw: F, outcome: F, reason: 'x' })).toBe(once);
    expect(once.counters).toMatchObject({ count: 2, failed: 1, successful: 1 });
    expect(once.taken).toBe(2);
  });

  it('keeps the last 10 measurements', () => {
    const p = fold(spec({ failureLimit: -1 }), Array<MeasurementOutcome>(14).fill(S));
    expect(p.recent.map((m) => m.n)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('closes successful within its limits, and keeps a final phase', () => {
    expect(closeMonitor(spec(), fold(spec(), []))).toBe('successful');
    expect(closeMonitor(spec({ failureLimit: 1 }), fold(spec({ failureLimit: 1 }), [F]))).toBe('successful');
    expect(closeMonitor(spec(), fold(spec(), [F]))).toBe('failed');
  });

  it('leaves dry-run monitors out of the verdict', () => {
    const failed = fold(spec(), [F]);
    const fine = fold(spec(), [S]);
    expect(
      watchPhase([
        { spec: spec({ dryRun: true }), progress: failed },
        { spec: spec(), progress: fine },
      ]),
    ).toBe('running');
    expect(watchPhase([{ spec: spec(), progress: failed }])).toBe('failed');
  });
});

describe('health debouncing of measurements', () => {
  const s = spec({ failureLimit: 0, debounce: { failureThreshold: 3, recoveryThreshold: 2 } });
  const run = (raws: boolean[]) => {
    let health = INITIAL_HEALTH;
    return raws.map((ok) => {
      const r = debounceOutcome(s, health, { outcome: ok ? S : F, reason: ok ? 'up' : 'down' });
      health = r.health;
      return r.outcome;
    });
  };

  it('counts a failure only after failureThreshold in a row, and recovers after recoveryThreshold', () => {
    expect(run([true, false, false, true, false, false])).toEqual([S, S, S, S, S, S]);
    expect(run([true, false, false, false])).toEqual([S, S, S, F]);
    expect(run([false, false, false, true, true, true])).toEqual([S, S, F, F, S, S]);
  });

  it('says in the reason that a failure was absorbed, and passes errors through', () => {
    const r = debounceOutcome(s, INITIAL_HEALTH, { outcome: F, reason: 'HTTP 503' });
    expect(r.reason).toBe('HTTP 503; debounced (1 of 3 failures in a row)');
    expect(debounceOutcome(s, INITIAL_HEALTH, { outcome: E, reason: 'x' }).outcome).toBe(E);
    expect(debounceOutcome(spec(), INITIAL_HEALTH, { outcome: F, reason: 'x' }).outcome).toBe(F);
  });
});

describe('when a monitor measures', () => {
  const T0 = 1_000_000;
  const monitor = (m: Partial<Monitor> = {}): Monitor => ({
    id: 'm',
    title: 'm',
    call: { action: 'wait', with: {}, timeoutMs: undefined },
    fromMs: undefined,
    untilMs: undefined,
    intervalMs: 60_000,
    initialDelayMs: 0,
    count: undefined,
    failWhen: undefined,
    successWhen: undefined,
    failureLimit: 0,
    inconclusiveLimit: 0,
    consecutiveErrorLimit: 4,
    consecutiveSuccessLimit: undefined,
    dryRun: false,
    debounce: undefined,
    ...m,
  });
  const after = (m: Monitor, outcomes: MeasurementOutcome[], atMs: number[]) =>
    outcomes.reduce(
      (p, o, i) => applyMeasurement(m, p, { n: i + 1, atMs: atMs[i]!, raw: o, outcome: o, reason: o }),
      INITIAL_PROGRESS,
    );

  it('starts at from + initialDelay, then every interval; 10 s after an error', () => {
    const m = monitor({ fromMs: 5 * 60_000, initialDelayMs: 30_000, failureLimit: -1 });
    expect(monitorTiming(m, T0, INITIAL_PROGRESS)).toEqual({ state: 'waiting', dueAtMs: T0 + 330_000 });
    expect(monitorTiming(m, T0, after(m, [S], [T0 + 330_000]))).toEqual({
      state: 'due',
      dueAtMs: T0 + 390_000,
    });
    expect(monitorTiming(m, T0, after(m, [E], [T0 + 330_000]))).toEqual({
      state: 'due',
      dueAtMs: T0 + 340_000,
    });
  });

  it('stops at until, after count, and at a final phase', () => {
    const m = monitor({ untilMs: 90_000, count: 2, failureLimit: 1 });
    expect(monitorTiming(m, T0, after(m, [S], [T0 + 60_000]))).toEqual({ state: 'closed', reason: 'until' });
    expect(monitorTiming(m, T0, after(m, [S, F], [T0, T0 + 1]))).toEqual({
      state: 'closed',
      reason: 'count',
    });
    expect(monitorTiming(monitor(), T0, after(monitor(), [F], [T0]))).toEqual({
      state: 'closed',
      reason: 'final',
    });
  });
});
