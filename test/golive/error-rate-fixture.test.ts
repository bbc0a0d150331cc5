import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricsQueryAction,
  metricsQueryParams,
} from '../../src/actions/metrics-query/metrics-query-action.js';
import {
  INITIAL_PROGRESS,
  applyMeasurement,
  compileMeasurementConditions,
  judgeActionResult,
  type MonitorProgress,
} from '../../src/core/go-live/monitor-analysis.js';
import { ManualClock } from '../support/manual-clock.js';
import { testActionContext, systemClock } from '../support/action-context.js';
import { errorRatioQuery, startErrorRateApp, type ErrorRateApp } from '../support/error-rate-app.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus-server.js';

let app: ErrorRateApp;
let prom: PrometheusServer;

/** Polls Prometheus until the app's error ratio satisfies `ok` (scrapes land every second). */
async function ratioBecomes(ok: (ratio: number) => boolean): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const rows = (await prom.query(errorRatioQuery())) as { value: [number, string] }[];
    const ratio = Number(rows[0]?.value[1] ?? NaN);
    if (ok(ratio)) return ratio;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the error ratio never reached the expected value');
}

beforeAll(async () => {
  app = await startErrorRateApp({ rps: 40 });
  prom = await startPrometheus({ targets: [app.target] });
}, 600_000);

afterAll(async () => {
  await prom?.stop();
  await app?.stop();
});

describe('the error-rate test app behind a real Prometheus', () => {
  it('fails exactly the share of requests the test sets', async () => {
    app.setErrorRate(0.25);
    const before = app.counts();
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(app.url).then((r) => r.status)));
    const after = app.counts();
    // Its own traffic runs alongside: count the whole interval, which is exact to one request.
    const errors = after.errors - before.errors;
    const total = errors + after.ok - before.ok;
    expect(Math.abs(errors - total * 0.25)).toBeLessThanOrEqual(1);
    expect(answers.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(() => app.setErrorRate(1.5)).toThrow('between 0 and 1');
  });

  it('is measured by a metrics.query monitor: successful while healthy, failed once errors pass 2 %', async () => {
    const conditions = compileMeasurementConditions({ failWhen: 'result > 0.02' });
    const monitor = { failureLimit: 1, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
    // A rehearsal clock far in the future: the query must still ask Prometheus about the real now.
    const ctx = testActionContext({ clock: new ManualClock(Date.UTC(2030, 0, 1)), realClock: systemClock });
    const measure = async (p: MonitorProgress): Promise<MonitorProgress> => {
      const r = await metricsQueryAction.execute(
        ctx,
        metricsQueryParams.parse({ url: prom.url, query: errorRatioQuery() }),
      );
      const out = r.output as { outcome: 'successful' | 'failed' | 'inconclusive' | 'error'; reason: string };
      const judged = judgeActionResult(conditions, {
        kind: 'value',
        value: r.value,
        outcome: out.outcome,
        reason: out.reason,
      });
      return applyMeasurement(monitor, p, {
        n: p.taken + 1,
        atMs: Date.now(),
        raw: judged.outcome,
        outcome: judged.outcome,
        reason: judged.reason,
        value: r.value,
      });
    };

    app.setErrorRate(0);
    await ratioBecomes((r) => r === 0);
    let p = await measure(INITIAL_PROGRESS);
    expect(p.recent[0]).toMatchObject({ outcome: 'successful', value: 0 });

    app.setErrorRate(0.5);
    await ratioBecomes((r) => r > 0.3);
    p = await measure(p);
    expect(p.phase).toBe('running'); // failureLimit 1 tolerates the first failure
    p = await measure(p);
    expect(p.phase).toBe('failed');
    expect(p.recent.at(-1)?.reason).toBe("failWhen 'result > 0.02' is true");
    expect(p.recent.at(-1)?.value as number).toBeGreaterThan(0.02);
  });

  it('makes a stopped Prometheus a measurement error, not a pass or a failure', async () => {
    const conditions = compileMeasurementConditions({ failWhen: 'result > 0.02' });
    const closed = 'http://127.0.0.1:1';
    const judged = await metricsQueryAction
      .execute(
        testActionContext(),
        metricsQueryParams.parse({ url: closed, query: errorRatioQuery(), timeout: '2s' }),
      )
      .then(
        () => undefined,
        (e: { code: string; message: string }) =>
          judgeActionResult(conditions, { kind: 'thrown', code: e.code, message: e.message }),
      );
    expect(judged?.outcome).toBe('error');
    expect(judged?.reason).toMatch(/^METRICS_UNREACHABLE: /);
  });
});
