import { z } from 'zod';
import {
  compileMeasurementConditions,
  judgeMeasurement,
  type MeasurementOutcome,
} from '../../core/monitor-analysis.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { durationMs, durationText } from '../traffic/traffic-target.js';
import { queryPrometheus, type MetricData } from './prometheus-source.js';

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
  url: z.string().min(1).meta({ description: 'Prometheus base URL, e.g. http://prometheus:9090' }),
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

export const metricsQueryParams = prometheusParams;
export type MetricsQueryParams = z.infer<typeof metricsQueryParams>;

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
export function createMetricsQueryAction(): ActionDefinition<MetricsQueryParams> {
  return {
    type: 'metrics.query',
    description: 'queries Prometheus and judges the result with failWhen/successWhen',
    params: metricsQueryParams,
    idempotent: true,
    async plan(_ctx, params) {
      return { summary: `query ${params.url}: ${params.query}`, changes: [] };
    },
    async execute(ctx, params) {
      const conditions = compileMeasurementConditions(params);
      const now = ctx.clock.now();
      const data = await queryPrometheus({
        url: params.url,
        query: params.query,
        timeMs: now,
        range: params.range
          ? { startMs: now - durationMs(params.range.last, 0), stepMs: durationMs(params.range.step, 15_000) }
          : undefined,
        headers: params.headers,
        timeoutMs: durationMs(params.timeout, 10_000),
        signal: ctx.signal,
      }).catch((error: unknown) => {
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
      const summary = `${params.query} = ${show(value)} (${judged.outcome}${reason === 'no condition' ? '' : `: ${reason}`})`;
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
