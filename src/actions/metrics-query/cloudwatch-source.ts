import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { TminusError } from '../../core/tminus-error.js';
import type { MetricData } from './prometheus-source.js';

/** One CloudWatch metric, in the plan's words. */
export interface CloudWatchMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions?: Readonly<Record<string, string>> | undefined;
  /** `Sum`, `Average`, `Maximum`, `p99`, … */
  readonly stat: string;
}

/**
 * GetMetricData over the last `lastMs`: each metric by id, plus an optional metric-math `expression` over
 * those ids. The answer is the expression's series (or the single metric's), in time order.
 */
export async function queryCloudWatch(options: {
  readonly client: CloudWatchClient;
  readonly metrics: Readonly<Record<string, CloudWatchMetric>>;
  readonly expression?: string | undefined;
  readonly periodSeconds: number;
  readonly timeMs: number;
  readonly lastMs: number;
  readonly signal: AbortSignal;
}): Promise<MetricData> {
  const ids = Object.keys(options.metrics);
  if (options.expression === undefined && ids.length !== 1) {
    throw new TminusError(
      'METRICS_QUERY_FAILED',
      `with ${ids.length} metrics, say which result to judge with \`expression\``,
      {
        hint: 'e.g. expression: "100 * errors / requests"',
      },
    );
  }
  const queries: MetricDataQuery[] = Object.entries(options.metrics).map(([id, m]) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: m.namespace,
        MetricName: m.name,
        Dimensions: Object.entries(m.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: options.periodSeconds,
      Stat: m.stat,
    },
    ReturnData: options.expression === undefined,
  }));
  if (options.expression !== undefined) {
    queries.push({
      Id: 'result',
      Expression: options.expression,
      Period: options.periodSeconds,
      ReturnData: true,
    });
  }
  const wanted = options.expression === undefined ? ids[0] : 'result';
  const series: { values: number[] }[] = [];
  let next: string | undefined;
  do {
    const out = await options.client
      .send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(options.timeMs - options.lastMs),
          EndTime: new Date(options.timeMs),
          ScanBy: 'TimestampAscending',
          NextToken: next,
        }),
        { abortSignal: options.signal },
      )
      .catch((error: unknown) => {
        const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        throw new TminusError(
          e.name === 'CredentialsProviderError' || e.$metadata?.httpStatusCode === undefined
            ? 'METRICS_UNREACHABLE'
            : 'METRICS_QUERY_FAILED',
          `CloudWatch GetMetricData failed: ${e.name ?? 'Error'}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}: ${e.message ?? String(error)}`,
          { cause: error },
        );
      });
    for (const r of out.MetricDataResults ?? []) {
      if (r.Id !== wanted) continue;
      if (r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden') {
        throw new TminusError(
          'METRICS_QUERY_FAILED',
          `CloudWatch could not compute '${wanted}': ${r.StatusCode} ${(r.Messages ?? []).map((m) => m.Value).join('; ')}`,
        );
      }
      series.push({ values: r.Values ?? [] });
    }
    next = out.NextToken;
  } while (next);
  const values = series.flatMap((s) => s.values);
  // One matrix series (or none when CloudWatch has no datapoints, so that "no data" stays explicit).
  return { kind: 'matrix', series: values.length === 0 ? [] : [{ labels: { id: wanted ?? '' }, values }] };
}
