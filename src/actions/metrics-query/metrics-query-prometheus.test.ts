import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import {
  startMetricsApp,
  startPrometheus,
  type MetricsApp,
  type PrometheusServer,
} from '../../../test/support/prometheus-server.js';
import { metricsQueryAction, metricsQueryParams } from './metrics-query-action.js';

let app: MetricsApp;
let prom: PrometheusServer;

const query = (params: Record<string, unknown>) =>
  metricsQueryAction.execute(testActionContext(), metricsQueryParams.parse({ url: prom.url, ...params }));

async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  app = await startMetricsApp({
    'app_requests_total{code="200"}': 300,
    'app_requests_total{code="500"}': 100,
    app_idle_total: 0,
  });
  prom = await startPrometheus({ targets: [app.target] });
  // Wait for two scrapes, so that range queries have more than one point.
  for (let i = 0; i < 100; i++) {
    const rows = (await prom.query('count_over_time(app_idle_total[1m])')) as { value: [number, string] }[];
    if (Number(rows[0]?.value[1] ?? 0) >= 3) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}, 600_000);

afterAll(async () => {
  await prom?.stop();
  await app?.stop();
});

describe('metrics.query against Prometheus', () => {
  it('answers an instant query with a number and judges it with failWhen', async () => {
    const result = await query({
      query: 'sum(app_requests_total{code="500"}) / sum(app_requests_total)',
      failWhen: 'result > 0.02',
      assert: false,
    });
    expect(result.value).toBe(0.25);
    expect(result.output).toMatchObject({
      outcome: 'failed',
      reason: "failWhen 'result > 0.02' is true",
      resultType: 'vector',
    });
    const ok = await query({
      query: 'sum(app_requests_total{code="500"}) / sum(app_requests_total)',
      failWhen: 'result > 0.5',
    });
    expect(ok.output).toMatchObject({ outcome: 'successful' });
  });

  it('fails the step when a condition in with: does not hold', async () => {
    const error = await failure(
      query({ query: 'sum(app_requests_total{code="500"})', successWhen: 'result < 10' }),
    );
    expect(error.code).toBe('METRICS_CONDITION_FAILED');
    expect(error.message).toBe(
      'sum(app_requests_total{code="500"}) = 100 (failed: successWhen \'result < 10\' is false)',
    );
  });

  it('gives several series as a list', async () => {
    const result = await query({
      query: 'sort(app_requests_total)',
      successWhen: 'max(result) == 300 and len(result) == 2',
    });
    expect(result.value).toEqual([100, 300]);
    expect(result.output).toMatchObject({ outcome: 'successful', seriesCount: 2 });
  });

  it('answers a range query with the series of points', async () => {
    const result = await query({
      query: 'app_requests_total{code="200"}',
      range: { last: '1m', step: '1s' },
      successWhen: 'min(result) == 300 and len(result) >= 2',
    });
    expect(Array.isArray(result.value)).toBe(true);
    expect((result.value as number[]).every((v) => v === 300)).toBe(true);
    expect(result.output).toMatchObject({ outcome: 'successful', resultType: 'matrix' });
  });

  it('treats an empty vector as inconclusive, or as the outcome onNoData names, never as a pass', async () => {
    const empty = await query({
      query: 'app_requests_total{code="404"}',
      failWhen: 'result > 0',
      assert: false,
    });
    expect(empty.value).toEqual([]);
    expect(empty.output).toMatchObject({ outcome: 'inconclusive', reason: 'the query returned no data' });
    const failed = await query({
      query: 'app_requests_total{code="404"}',
      onNoData: 'failed',
      assert: false,
    });
    expect(failed.output).toMatchObject({ outcome: 'failed' });
    const asserted = await failure(
      query({ query: 'app_requests_total{code="404"}', failWhen: 'result > 0' }),
    );
    expect(asserted.message).toContain('inconclusive: the query returned no data');
  });

  it('treats NaN (0/0) as an error unless the author asks to evaluate it', async () => {
    const ratio = 'sum(app_idle_total) / sum(app_idle_total)';
    const nan = await query({ query: ratio, failWhen: 'result > 0.02', assert: false });
    expect(Number.isNaN(nan.value)).toBe(true);
    expect(nan.output).toMatchObject({
      outcome: 'error',
      reason: 'the query returned NaN',
      series: [{ values: ['NaN'] }],
    });
    const inconclusive = await query({ query: ratio, onNaN: 'inconclusive', assert: false });
    expect(inconclusive.output).toMatchObject({ outcome: 'inconclusive' });
    const evaluated = await query({
      query: ratio,
      onNaN: 'evaluate',
      successWhen: 'isNaN(result) or result < 0.02',
    });
    expect(evaluated.output).toMatchObject({ outcome: 'successful' });
    const scalar = await query({ query: '0/0', assert: false });
    expect(scalar.output).toMatchObject({ outcome: 'error', resultType: 'scalar' });
  });

  it('takes its url from a prometheus connection, and refuses a connection of another kind', async () => {
    const ctx = testActionContext({
      connections: {
        prom: { name: 'prom', kind: 'prometheus', url: prom.url, options: {} },
        db: { name: 'db', kind: 'postgres', url: 'postgres://x', options: {} },
      },
    });
    const result = await metricsQueryAction.execute(
      ctx,
      metricsQueryParams.parse({ connection: 'prom', query: 'sum(app_requests_total)' }),
    );
    expect(result.value).toBe(400);
    const error = await failure(
      metricsQueryAction.execute(ctx, metricsQueryParams.parse({ connection: 'db', query: 'up' })),
    );
    expect(error.message).toBe("connection 'db' is postgres, not a prometheus url");
    expect(metricsQueryParams.safeParse({ query: 'up' }).error?.issues[0]?.message).toBe(
      'give exactly one of `url` or `connection`',
    );
  });

  it('reports a query Prometheus rejects with what Prometheus said', async () => {
    const error = await failure(query({ query: 'sum(app_requests_total' }));
    expect(error.code).toBe('METRICS_QUERY_FAILED');
    expect(error.message).toMatch(/^Prometheus rejected the query \(HTTP 400, bad_data\): .*parse error/);
  });

  it('reports an unreachable Prometheus clearly', async () => {
    const port = await freePort();
    const error = await failure(
      metricsQueryAction.execute(
        testActionContext(),
        metricsQueryParams.parse({ url: `http://127.0.0.1:${port}`, query: 'up' }),
      ),
    );
    expect(error.code).toBe('METRICS_UNREACHABLE');
    expect(error.message).toBe(`cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('keeps secrets in headers out of errors', async () => {
    const port = await freePort();
    const ctx = testActionContext({ secrets: ['s3cr3t'] });
    const error = await failure(
      metricsQueryAction.execute(
        ctx,
        metricsQueryParams.parse({
          url: `http://user:s3cr3t@127.0.0.1:${port}`,
          query: 'up',
          headers: { authorization: 'Bearer s3cr3t' },
        }),
      ),
    );
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('metrics.query parameters', () => {
  const issues = (value: unknown) => {
    const r = metricsQueryParams.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('reject every bad value with its path', () => {
    expect(issues({ url: 'http://p:9090', query: 'up' })).toEqual([]);
    expect(issues({ url: 'http://p:9090' })[0]).toMatch(/^query: /);
    expect(issues({ url: 'http://p:9090', query: '' })[0]).toMatch(/^query: /);
    expect(issues({ url: 'http://p:9090', query: 'up', range: { last: '5m' } })[0]).toMatch(/^range\.step: /);
    expect(issues({ url: 'http://p:9090', query: 'up', range: { last: 'forever', step: '1s' } })[0]).toMatch(
      /^range\.last: expected a duration/,
    );
    expect(issues({ url: 'http://p:9090', query: 'up', onNoData: 'pass' })[0]).toMatch(/^onNoData: /);
    expect(issues({ url: 'http://p:9090', query: 'up', onNaN: 'ignore' })[0]).toMatch(/^onNaN: /);
    expect(issues({ url: 'http://p:9090', query: 'up', failwhen: 'x' })[0]).toMatch(/failwhen/);
  });
});
