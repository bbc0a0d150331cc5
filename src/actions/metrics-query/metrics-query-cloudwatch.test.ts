import { beforeEach, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { FakeCloudWatch } from '../../../test/support/aws-fake-cloudwatch.js';
import { createMetricsQueryAction, metricsQueryParams } from './metrics-query-action.js';

const NOW = Date.parse('2026-12-05T02:30:00Z');
let fake: FakeCloudWatch;
const action = () => createMetricsQueryAction({ cloudwatchClient: (config) => fake.client(config) });
const run = (extra: Record<string, unknown>) =>
  action().execute(
    testActionContext({ clock: new ManualClock(NOW, { autoAdvance: true }) }),
    metricsQueryParams.parse({
      provider: 'cloudwatch',
      region: 'eu-west-1',
      metrics: {
        errors: {
          namespace: 'AWS/ApplicationELB',
          name: 'HTTPCode_Target_5XX_Count',
          dimensions: { LoadBalancer: 'app/shop/50dc6c495c0c9188' },
          stat: 'Sum',
        },
        requests: {
          namespace: 'AWS/ApplicationELB',
          name: 'RequestCount',
          dimensions: { LoadBalancer: 'app/shop/50dc6c495c0c9188' },
          stat: 'Sum',
        },
      },
      expression: '100 * errors / requests',
      ...extra,
    }),
  );

async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected the call to fail');
}

beforeEach(() => {
  fake = new FakeCloudWatch();
});

describe('metrics.query against CloudWatch GetMetricData (SDK boundary)', () => {
  it('sends the metrics and the metric-math expression over the last window, and judges the series', async () => {
    fake.results = { result: [0.5, 1.5, 3.0] };
    const result = await run({ last: '10m', period: '1m', failWhen: 'max(result) > 2', assert: false });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.target).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(request.body.StartTime).toBe((NOW - 600_000) / 1000);
    expect(request.body.EndTime).toBe(NOW / 1000);
    expect(request.body.ScanBy).toBe('TimestampAscending');
    expect(request.body.MetricDataQueries).toEqual([
      {
        Id: 'errors',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: [{ Name: 'LoadBalancer', Value: 'app/shop/50dc6c495c0c9188' }],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      expect.objectContaining({ Id: 'requests', ReturnData: false }),
      { Id: 'result', Expression: '100 * errors / requests', Period: 60, ReturnData: true },
    ]);
    expect(result.value).toEqual([0.5, 1.5, 3.0]);
    expect(result.output).toMatchObject({ outcome: 'failed', reason: "failWhen 'max(result) > 2' is true" });
  });

  it('follows NextToken pages and keeps the values in time order', async () => {
    fake.results = { result: [1, 2, 3, 4] };
    fake.paginate = true;
    const result = await run({ successWhen: 'last(result) == 4' });
    expect(fake.requests.map((r) => r.body.NextToken)).toEqual([undefined, 'page-2']);
    expect(result.value).toEqual([1, 2, 3, 4]);
  });

  it('treats no datapoints as inconclusive, never as a pass', async () => {
    const result = await run({ failWhen: 'max(result) > 2', assert: false });
    expect(result.value).toEqual([]);
    expect(result.output).toMatchObject({ outcome: 'inconclusive', reason: 'the query returned no data' });
  });

  it('needs an expression to know which of several metrics to judge, and takes a single metric alone', async () => {
    const error = await failure(run({ expression: undefined }));
    expect(error.message).toBe('with 2 metrics, say which result to judge with `expression`');
    fake.results = { latency: [120, 80] };
    const single = await action().execute(
      testActionContext({ clock: new ManualClock(NOW, { autoAdvance: true }) }),
      metricsQueryParams.parse({
        provider: 'cloudwatch',
        region: 'eu-west-1',
        metrics: { latency: { namespace: 'AWS/ApplicationELB', name: 'TargetResponseTime', stat: 'p99' } },
        successWhen: 'max(result) < 200',
      }),
    );
    expect(single.output).toMatchObject({ outcome: 'successful' });
    expect(fake.requests.at(-1)?.body.MetricDataQueries[0]).toMatchObject({
      Id: 'latency',
      ReturnData: true,
      MetricStat: { Stat: 'p99', Metric: { Dimensions: [] } },
    });
  });

  it('reports a CloudWatch error with its code', async () => {
    fake.failWith = {
      type: 'InvalidParameterValueException',
      message: 'The expression is not valid',
      status: 400,
    };
    const error = await failure(run({}));
    expect(error.code).toBe('METRICS_QUERY_FAILED');
    expect(error.message).toMatch(
      /^CloudWatch GetMetricData failed: InvalidParameterValue(Exception)? \(HTTP 400\): The expression is not valid$/,
    );
  });

  it('validates CloudWatch parameters', () => {
    const issues = (metrics: unknown) => {
      const r = metricsQueryParams.safeParse({ provider: 'cloudwatch', region: 'eu-west-1', metrics });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ Errors: { namespace: 'x', name: 'y', stat: 'Sum' } })).toEqual([
      "metrics.Errors: metric id 'Errors' must start lower-case (letters, digits, _)",
    ]);
    expect(issues({ errors: { namespace: 'x', name: 'y' } })[0]).toMatch(/^metrics\.errors\.stat: /);
    expect(issues({})).toEqual(['metrics: name at least one metric']);
  });
});
