import { TminusError } from '../../core/tminus-error.js';

/** One series of a Prometheus answer, reduced to its labels and numbers. */
export interface MetricSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly values: readonly number[];
}

/** What a metrics source returns: the series, and whether the query was a range. */
export interface MetricData {
  readonly kind: 'scalar' | 'vector' | 'matrix';
  readonly series: readonly MetricSeries[];
}

/** Prometheus renders NaN and infinities as text; `Number('+Inf')` would be NaN, so map them explicitly. */
export function parseSample(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = typeof text === 'string' ? Number(text) : NaN;
  if (Number.isNaN(n)) {
    throw new TminusError(
      'METRICS_QUERY_FAILED',
      `Prometheus sent a sample that is not a number: ${JSON.stringify(text)}`,
    );
  }
  return n;
}

interface PrometheusAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

type Sample = [number, string];

/**
 * Runs a PromQL query through the HTTP API: instant (`/api/v1/query` at `timeMs`) or range
 * (`/api/v1/query_range` from `startMs` to `timeMs` every `stepMs`). Errors name the server and what it said.
 */
export async function queryPrometheus(options: {
  readonly url: string;
  readonly query: string;
  readonly timeMs: number;
  readonly range?: { readonly startMs: number; readonly stepMs: number } | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}): Promise<MetricData> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch (error) {
    throw new TminusError('METRICS_QUERY_FAILED', `Prometheus url '${options.url}' is not a URL`, {
      cause: error,
    });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TminusError('METRICS_QUERY_FAILED', `Prometheus url '${options.url}' must be http or https`);
  }
  const endpoint = new URL(
    options.range ? 'api/v1/query_range' : 'api/v1/query',
    base.href.endsWith('/') ? base : `${base.href}/`,
  );
  const form = new URLSearchParams({ query: options.query });
  if (options.range) {
    form.set('start', (options.range.startMs / 1000).toString());
    form.set('end', (options.timeMs / 1000).toString());
    form.set('step', (options.range.stepMs / 1000).toString());
  } else form.set('time', (options.timeMs / 1000).toString());
  let response: Response;
  try {
    // A network timeout concerns the real network, so it uses a real timer rather than the run's clock.
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      body: form,
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (error) {
    if (options.signal.aborted) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const code =
      (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.name : String(cause));
    throw new TminusError(
      'METRICS_UNREACHABLE',
      `cannot reach Prometheus at ${base.origin}: ${code === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : code}`,
      {
        cause: error,
        hint: 'check the url and that Prometheus runs (GET /-/ready)',
      },
    );
  }
  const text = await response.text();
  let body: PrometheusAnswer;
  try {
    body = JSON.parse(text) as PrometheusAnswer;
  } catch (error) {
    throw new TminusError(
      'METRICS_QUERY_FAILED',
      `${base.origin} answered HTTP ${response.status} with something that is not the Prometheus API: ${text.slice(0, 120)}`,
      { cause: error },
    );
  }
  if (body.status !== 'success' || !body.data) {
    throw new TminusError(
      'METRICS_QUERY_FAILED',
      `Prometheus rejected the query (HTTP ${response.status}, ${body.errorType ?? 'error'}): ${body.error ?? 'no detail'}`,
      {
        hint: `query: ${options.query}`,
      },
    );
  }
  const { resultType, result } = body.data;
  if (resultType === 'scalar') {
    const [, value] = result as Sample;
    return { kind: 'scalar', series: [{ labels: {}, values: [parseSample(value)] }] };
  }
  if (resultType === 'vector') {
    const rows = result as { metric: Record<string, string>; value: Sample }[];
    return {
      kind: 'vector',
      series: rows.map((r) => ({ labels: r.metric, values: [parseSample(r.value[1])] })),
    };
  }
  if (resultType === 'matrix') {
    const rows = result as { metric: Record<string, string>; values: Sample[] }[];
    return {
      kind: 'matrix',
      series: rows.map((r) => ({ labels: r.metric, values: r.values.map((v) => parseSample(v[1])) })),
    };
  }
  throw new TminusError(
    'METRICS_QUERY_FAILED',
    `Prometheus result type '${String(resultType)}' cannot be measured (use a numeric query)`,
  );
}
