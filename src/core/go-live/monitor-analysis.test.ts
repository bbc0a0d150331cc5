import { describe, expect, it } from 'vitest';
import {
  EMPTY_COUNTERS,
  assessMonitor,
  compileMeasurementConditions,
  isFinalPhase,
  judgeMeasurement,
  recordMeasurement,
  worstPhase,
  type MeasurementOutcome,
  type MonitorLimits,
} from './monitor-analysis.js';

const DEFAULTS: MonitorLimits = { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
const after = (outcomes: readonly MeasurementOutcome[]) => outcomes.reduce(recordMeasurement, EMPTY_COUNTERS);
const phase = (limits: Partial<MonitorLimits>, outcomes: readonly MeasurementOutcome[], stopping = false) =>
  assessMonitor({ ...DEFAULTS, ...limits }, after(outcomes), stopping);
const judge = (
  texts: { failWhen?: string; successWhen?: string },
  value: unknown,
  outcome?: MeasurementOutcome,
) => judgeMeasurement(compileMeasurementConditions(texts), value, outcome).outcome;

describe('monitor measurement bookkeeping', () => {
  it('counts like Argo Rollouts: errors are consecutive and do not count towards count', () => {
    expect(after(['successful', 'failed', 'inconclusive', 'error', 'error'])).toEqual({
      count: 3,
      successful: 1,
      failed: 1,
      inconclusive: 1,
      error: 2,
      consecutiveError: 2,
      consecutiveSuccess: 0,
    });
    expect(after(['error', 'successful', 'successful']).consecutiveError).toBe(0);
    expect(after(['error', 'successful', 'successful']).consecutiveSuccess).toBe(2);
  });

  it('is pending before any measurement, and successful if stopped then', () => {
    expect(phase({}, [])).toBe('pending');
    expect(phase({}, [], true)).toBe('successful');
  });

  it('fails on the first failure by default, and after failureLimit + 1 failures, cumulatively', () => {
    expect(phase({}, ['successful', 'failed'])).toBe('failed');
    expect(phase({ failureLimit: 2 }, ['failed', 'successful', 'failed'])).toBe('running');
    expect(phase({ failureLimit: 2 }, ['failed', 'successful', 'failed', 'successful', 'failed'])).toBe(
      'failed',
    );
    expect(phase({ failureLimit: -1 }, ['failed', 'failed', 'failed'])).toBe('running');
  });

  it('turns inconclusive after inconclusiveLimit + 1 inconclusive measurements', () => {
    expect(phase({}, ['inconclusive'])).toBe('inconclusive');
    expect(phase({ inconclusiveLimit: 1 }, ['inconclusive', 'successful'])).toBe('running');
    expect(phase({ inconclusiveLimit: 1 }, ['inconclusive', 'inconclusive'])).toBe('inconclusive');
  });

  it('errors after consecutiveErrorLimit + 1 errors in a row, and a success resets the run of errors', () => {
    expect(phase({}, ['error', 'error', 'error', 'error'])).toBe('running');
    expect(phase({}, ['error', 'error', 'error', 'error', 'error'])).toBe('error');
    expect(phase({}, ['error', 'error', 'error', 'error', 'successful', 'error'])).toBe('running');
    expect(phase({ consecutiveErrorLimit: 0 }, ['error'])).toBe('error');
  });

  it('ranks error over inconclusive over failed when several limits are passed at once', () => {
    const c = after(['failed', 'inconclusive', 'error']);
    expect(assessMonitor({ ...DEFAULTS, consecutiveErrorLimit: 0 }, c)).toBe('error');
    expect(assessMonitor(DEFAULTS, c)).toBe('inconclusive');
  });

  it('completes after count measurements, successful when failures stayed within the limit', () => {
    expect(phase({ count: 3, failureLimit: 1 }, ['successful', 'failed'])).toBe('running');
    expect(phase({ count: 3, failureLimit: 1 }, ['successful', 'failed', 'successful'])).toBe('successful');
    expect(phase({ count: 2 }, ['error', 'successful'])).toBe('running');
  });

  it('ends early on consecutive successes, and is inconclusive when count is reached without them', () => {
    expect(phase({ consecutiveSuccessLimit: 2 }, ['successful', 'successful'])).toBe('successful');
    expect(
      phase({ consecutiveSuccessLimit: 2, count: 3, failureLimit: 1 }, [
        'successful',
        'failed',
        'successful',
      ]),
    ).toBe('inconclusive');
    expect(phase({ consecutiveSuccessLimit: 2, count: 2, failureLimit: -1 }, ['successful', 'failed'])).toBe(
      'failed',
    );
  });

  it('is successful when stopped within its limits, and knows which phases are final', () => {
    expect(phase({}, ['successful', 'error'], true)).toBe('successful');
    expect(isFinalPhase('running')).toBe(false);
    expect(isFinalPhase('pending')).toBe(false);
    expect(isFinalPhase('inconclusive')).toBe(true);
  });

  it('takes the worst phase across monitors', () => {
    expect(worstPhase(['successful', 'running'])).toBe('running');
    expect(worstPhase(['inconclusive', 'error', 'running'])).toBe('error');
    expect(worstPhase(['error', 'failed'])).toBe('failed');
    expect(worstPhase([])).toBe('successful');
  });
});

describe('judging one measurement', () => {
  it('follows failWhen alone: true fails, false succeeds', () => {
    expect(judge({ failWhen: 'result > 0.02' }, 0.05)).toBe('failed');
    expect(judge({ failWhen: 'result > 0.02' }, 0.01)).toBe('successful');
  });

  it('follows successWhen alone: false fails', () => {
    expect(judge({ successWhen: 'result < 0.02' }, 0.01)).toBe('successful');
    expect(judge({ successWhen: 'result < 0.02' }, 0.05)).toBe('failed');
  });

  it('with both: failure wins, and neither holding is inconclusive', () => {
    const texts = { failWhen: 'result > 0.05', successWhen: 'result < 0.01' };
    expect(judge(texts, 0.1)).toBe('failed');
    expect(judge(texts, 0.001)).toBe('successful');
    expect(judge(texts, 0.03)).toBe('inconclusive');
    expect(judge({ failWhen: 'result > 0', successWhen: 'result > 0' }, 1)).toBe('failed');
  });

  it('makes NaN and empty results explicit: inconclusive or error, never a pass', () => {
    expect(judge({ successWhen: 'result < 0.02' }, NaN)).toBe('failed');
    expect(judge({ failWhen: 'result > 0.05', successWhen: 'result < 0.01' }, NaN)).toBe('inconclusive');
    expect(judge({ failWhen: 'result[0] > 0.02' }, [])).toBe('error');
    expect(judge({ failWhen: 'result > 0.02' }, 'n/a')).toBe('error');
    expect(judge({ failWhen: 'result > 0.02' }, 0.01, 'inconclusive')).toBe('inconclusive');
    expect(judge({ failWhen: 'result > 0.02' }, NaN, 'error')).toBe('error');
    expect(judgeMeasurement({}, [], 'inconclusive').reason).toBe('the measurement was inconclusive');
  });

  it('is successful with no condition and explains its verdict', () => {
    expect(judge({}, 3)).toBe('successful');
    expect(judgeMeasurement(compileMeasurementConditions({ failWhen: 'result > 1' }), 2).reason).toBe(
      "failWhen 'result > 1' is true",
    );
    expect(
      judgeMeasurement(compileMeasurementConditions({ failWhen: 'result[0] > 1' }), []).reason,
    ).toContain('index 0 is out of range');
  });

  it('refuses to compile a malformed condition, naming the column', () => {
    expect(() => compileMeasurementConditions({ failWhen: 'reslt > 1' })).toThrow(
      "unknown name 'reslt' (known: result) at column 1 of condition 'reslt > 1'",
    );
  });
});

describe('a plan monitor', () => {
  it('is directly usable as limits and conditions', async () => {
    const { loadPlan } = await import('../plan/load-plan.js');
    const { plan } = loadPlan(`version: 1
name: m
title: M
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  ops: { title: Operations, members: [bob] }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: t, title: T, owner: ops }
monitors:
  - id: error-rate
    action: metrics.query
    with: { url: 'http://127.0.0.1:9090', query: 'up' }
    interval: 30s
    count: 3
    failWhen: 'result > 0.02'
    failureLimit: 1
`);
    const monitor = plan!.monitors[0]!;
    const conditions = compileMeasurementConditions(monitor);
    const outcomes = [0.01, 0.05, 0.03].map((v) => judgeMeasurement(conditions, v).outcome);
    expect(outcomes).toEqual(['successful', 'failed', 'failed']);
    expect(assessMonitor(monitor, after(outcomes))).toBe('failed');
    expect(assessMonitor(monitor, after(outcomes.slice(0, 2)))).toBe('running');
  });
});
