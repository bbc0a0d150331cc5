import { z } from 'zod';
import {
  compileMeasurementConditions,
  judgeMeasurement,
  type MeasurementOutcome,
} from '../../core/go-live/monitor-analysis.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition } from '../../engine/action.js';
import { durationMs, durationText } from '../shared/traffic/traffic-target.js';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { queryPrometheus, type MetricData } from './prometheus-source.js';

/** SDK clients to use instead of the default ones (a custom request handler in tests). */
export interface MetricsDeps {
  readonly cloudwatchClient?: (config: { region: string; endpoint?: string }) => CloudWatchClient;
}

const commonShape = {
  failWhen: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Condition on 'result' that makes the measurement failed." }),
  successWhen: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Condition on 'result' that makes it successful." }),
  onNoData: z.enum(['inconclusive', 'failed', 'error']).optional().meta({
    description: 'Outcome when the query returns no series (default inconclusive): never a silent pass.',
  }),
  onNaN: z.enum(['error', 'inconclusive', 'evaluate']).optional().meta({
    description:
      'Outcome when a value is NaN (e.g. 0/0 with no traffic); `evaluate` hands it to the conditions.',
  }),
  assert: z.boolean().optional().meta({
    description: 'Fail the step unless the outcome is successful (default: true when a condition is given).',
  }),
  timeout: durationText().optional(),
};

const prometheusParams = z.strictObject({
  provider: z.literal('prometheus').optional(),
  url: z.string().min(1).optional().meta({ description: 'Prometheus base URL, e.g. http://prometheus:9090' }),
  connection: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'A `connections:` entry of kind prometheus, instead of `url`.' }),
  query: z.string().min(1).meta({ description: 'PromQL.' }),
  range: z
    .strictObject({ last: durationText(), step: durationText() })
    .optional()
    .meta({ description: 'Range query over the last `last`, one point every `step`.' }),
  headers: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: 'e.g. Authorization: "Bearer ${env:PROM_TOKEN}"' }),
  ...commonShape,
});

const cloudwatchMetric = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  dimensions: z.record(z.string(), z.string()).optional(),
  stat: z.string().min(1).meta({ description: 'Sum, Average, Maximum, Minimum, SampleCount, p99, ...' }),
});

const cloudwatchParams = z.strictObject({
  provider: z.literal('cloudwatch'),
  region: z.string().min(1),
  metrics: z.record(z.string(), cloudwatchMetric).superRefine((m, ctx) => {
    if (Object.keys(m).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one metric' });
    for (const id of Object.keys(m)) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
        ctx.addIssue({
          code: 'custom',
          path: [id],
          message: `metric id '${id}' must start lower-case (letters, digits, _)`,
        });
      }
    }
  }),
  expression: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Metric math over the metric ids, e.g. 100 * errors / requests.' }),
  last: durationText().optional().meta({ description: 'How far back to read (default 5m).' }),
  period: durationText().optional().meta({ description: 'Datapoint period (default 1m).' }),
  endpoint: z.string().min(1).optional(),
  ...commonShape,
});

export const metricsQueryParams = z
  .discriminatedUnion('provider', [prometheusParams, cloudwatchParams])
  .superRefine((p, ctx) => {
    if (p.provider !== 'cloudwatch' && (p.url === undefined) === (p.connection === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of `url` or `connection`' });
    }
  });
export type MetricsQueryParams = z.infer<typeof metricsQueryParams>;

/** The Prometheus URL: `url`, or the URL of the named connection (which must be of kind prometheus). */
function prometheusUrl(
  params: Exclude<MetricsQueryParams, { provider: 'cloudwatch' }>,
  ctx: ActionContext,
): string {
  if (params.url !== undefined) return params.url;
  const connection = ctx.connection(params.connection ?? '');
  if (connection.kind !== 'prometheus' || connection.url === undefined) {
    throw new TminusError(
      'METRICS_QUERY_FAILED',
      `connection '${connection.name}' is ${connection.kind}${connection.url === undefined ? ' without a url' : ''}, not a prometheus url`,
    );
  }
  return connection.url;
}

async function fetchData(
  params: MetricsQueryParams,
  ctx: ActionContext,
  now: number,
  deps: MetricsDeps,
): Promise<MetricData> {
  const signal = ctx.signal;
  if (params.provider === 'cloudwatch') {
    const { queryCloudWatch } = await import('./cloudwatch-source.js');
    const { CloudWatchClient: Client } = await import('@aws-sdk/client-cloudwatch');
    const config = { region: params.region, ...(params.endpoint ? { endpoint: params.endpoint } : {}) };
    return queryCloudWatch({
      client: deps.cloudwatchClient ? deps.cloudwatchClient(config) : new Client(config),
      metrics: params.metrics,
      expression: params.expression,
      periodSeconds: Math.max(1, Math.round(durationMs(params.period, 60_000) / 1000)),
      timeMs: now,
      lastMs: durationMs(params.last, 300_000),
      signal,
    });
  }
  return queryPrometheus({
    url: prometheusUrl(params, ctx),
    query: params.query,
    timeMs: now,
    range: params.range
      ? { startMs: now - durationMs(params.range.last, 0), stepMs: durationMs(params.range.step, 15_000) }
      : undefined,
    headers: params.headers,
    timeoutMs: durationMs(params.timeout, 10_000),
    signal,
  });
}

/** The value conditions see as `result`: a number for one sample, a list for several, `[]` for none. */
export function resultValue(data: MetricData): unknown {
  if (data.kind === 'matrix') {
    if (data.series.length === 1) return data.series[0]?.values ?? [];
    return data.series.map((s) => s.values);
  }
  if (data.series.length === 1) return data.series[0]?.values[0];
  return data.series.map((s) => s.values[0]);
}

/** Outcome of the data alone, before conditions: no data and NaN are explicit, never a pass. */
function dataOutcome(
  data: MetricData,
  params: MetricsQueryParams,
): { outcome: MeasurementOutcome; reason?: string } {
  const samples = data.series.flatMap((s) => s.values);
  if (samples.length === 0) {
    return { outcome: params.onNoData ?? 'inconclusive', reason: 'the query returned no data' };
  }
  if (samples.some((v) => Number.isNaN(v)) && (params.onNaN ?? 'error') !== 'evaluate') {
    return {
      outcome: params.onNaN === 'inconclusive' ? 'inconclusive' : 'error',
      reason: 'the query returned NaN',
    };
  }
  return { outcome: 'successful' };
}

const show = (v: unknown): string =>
  typeof v === 'number'
    ? String(v)
    : JSON.stringify(v, (_k, x: unknown) =>
        typeof x === 'number' && !Number.isFinite(x) ? String(x) : x,
      ).slice(0, 200);

/**
 * `metrics.query`: one measurement from Prometheus, judged like an Argo Rollouts measurement. Returns the
 * value as `result` for monitors' `failWhen`/`successWhen`, and `output.outcome` (successful, failed,
 * inconclusive, error). With a condition in `with:` (and unless `assert: false`) a non-successful outcome
 * fails the step.
 */
export function createMetricsQueryAction(deps: MetricsDeps = {}): ActionDefinition<MetricsQueryParams> {
  return {
    type: 'metrics.query',
    description: 'queries Prometheus and judges the result with failWhen/successWhen',
    params: metricsQueryParams,
    idempotent: true,
    async plan(_ctx, params) {
      return {
        summary:
          params.provider === 'cloudwatch'
            ? `query CloudWatch in ${params.region}: ${params.expression ?? Object.keys(params.metrics).join(', ')}`
            : `query ${params.url ?? `connection ${params.connection ?? ''}`}: ${params.query}`,
        changes: [],
      };
    },
    async execute(ctx, params) {
      const conditions = compileMeasurementConditions(params);
      // Metrics are stored at wall-clock time: a sped-up or virtual rehearsal clock would ask the server about
      // a future it has no samples for. In a live run both clocks agree.
      const now = (ctx.realClock ?? ctx.clock).now();
      const data = await fetchData(params, ctx, now, deps).catch((error: unknown) => {
        if (error instanceof TminusError) {
          throw new TminusError(error.code, ctx.redact(error.message), {
            cause: error,
            ...(error.hint ? { hint: ctx.redact(error.hint) } : {}),
          });
        }
        throw error;
      });
      const value = resultValue(data);
      const fromData = dataOutcome(data, params);
      const judged = judgeMeasurement(conditions, value, fromData.outcome);
      const reason = fromData.reason ?? judged.reason;
      const output = {
        outcome: judged.outcome,
        reason,
        resultType: data.kind,
        series: data.series.slice(0, 20).map((s) => ({
          labels: s.labels,
          values: s.values.slice(-60).map((v) => (Number.isFinite(v) ? v : String(v))),
        })),
        seriesCount: data.series.length,
      };
      const what =
        params.provider === 'cloudwatch'
          ? (params.expression ?? Object.keys(params.metrics).join(', '))
          : params.query;
      const summary = `${what} = ${show(value)} (${judged.outcome}${reason === 'no condition' ? '' : `: ${reason}`})`;
      const assert =
        params.assert ?? (conditions.failWhen !== undefined || conditions.successWhen !== undefined);
      if (assert && judged.outcome !== 'successful') {
        throw new TminusError('METRICS_CONDITION_FAILED', ctx.redact(summary), {
          hint:
            judged.outcome === 'inconclusive'
              ? 'no data or neither condition held: check that the new side receives traffic'
              : undefined,
        });
      }
      return { summary: ctx.redact(summary), value, output };
    },
  };
}

export const metricsQueryAction = createMetricsQueryAction();
