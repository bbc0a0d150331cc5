import type { RunView } from './api.js';
import { offset } from './time-format.js';

type Monitor = RunView['monitors'][number];

/** One recorded measurement of a monitor, from its `monitor.measured` event. */
export interface MeasurementPoint {
  readonly n: number;
  readonly atMs: number;
  /** The measured number; null when the measurement gave none (an error, no data, a non-numeric answer). */
  readonly value: number | null;
  readonly outcome: string;
  readonly reason: string;
}

const W = 320;
const H = 120;
const PAD = { left: 44, right: 8, top: 8, bottom: 18 };

/** `0.052`, `1.2k`: a short axis label. */
function short(v: number): string {
  const a = Math.abs(v);
  if (a >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  if (a >= 1000) return `${(v / 1000).toFixed(1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  return Number(v.toPrecision(2)).toString();
}

/**
 * A monitor's measurements over time as inline SVG: the values as a line, each measurement a dot coloured by
 * its verdict (hover for the reason), the fail limits as red dashed lines and the success limits green.
 * Hand-drawn rather than a chart library: it is one line, a few dots and threshold rules, which SVG says in
 * a few elements that the browser tests can read back (a canvas chart cannot be asserted without pixels),
 * and it adds nothing to the bundle.
 */
export function MonitorChart({
  monitor,
  points,
  goLiveMs,
}: {
  monitor: Monitor;
  points: readonly MeasurementPoint[];
  goLiveMs: number;
}) {
  const limits = [
    ...monitor.failThresholds.map((t) => ({ ...t, kind: 'fail' as const })),
    ...monitor.successThresholds.map((t) => ({ ...t, kind: 'success' as const })),
  ];
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const all = [...values, ...limits.map((l) => l.value)];
  const lo = Math.min(0, ...all);
  let hi = Math.max(...all, lo + 1e-9);
  if (values.length > 0 || limits.length > 0) hi += (hi - lo) * 0.1;
  else hi = 1;
  if (hi === lo) hi = lo + 1;
  const first = points[0]?.atMs ?? goLiveMs;
  const last = Math.max(points.at(-1)?.atMs ?? first, first + monitor.intervalMs * 5);
  const x = (atMs: number) => PAD.left + ((atMs - first) / (last - first)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const line = points
    .filter((p) => p.value !== null)
    .map((p) => `${x(p.atMs).toFixed(1)},${y(p.value!).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      class="monitor-chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${monitor.title}: ${points.length} measurements`}
      data-monitor-chart={monitor.id}
    >
      <line class="chart-axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} />
      <line class="chart-axis" x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} />
      <text class="tick" x={PAD.left - 4} y={y(hi) + 8} text-anchor="end">
        {short(hi)}
      </text>
      <text class="tick" x={PAD.left - 4} y={y(lo)} text-anchor="end">
        {short(lo)}
      </text>
      <text class="tick" x={PAD.left} y={H - 4}>
        {offset(first - goLiveMs)}
      </text>
      <text class="tick" x={W - PAD.right} y={H - 4} text-anchor="end">
        {offset(last - goLiveMs)}
      </text>
      {limits.map((l) => (
        <g key={`${l.kind}${l.op}${l.value}`} data-threshold={l.kind} data-value={l.value}>
          <line class={`limit ${l.kind}`} x1={PAD.left} x2={W - PAD.right} y1={y(l.value)} y2={y(l.value)} />
          <text class={`limit-label ${l.kind}`} x={W - PAD.right - 2} y={y(l.value) - 3} text-anchor="end">
            {l.kind} {l.op} {short(l.value)}
          </text>
        </g>
      ))}
      {line && <polyline class="values" points={line} />}
      {points.map((p) => (
        <circle
          key={p.n}
          class={`point o-${p.outcome}`}
          cx={x(p.atMs)}
          cy={p.value === null ? H - PAD.bottom : y(p.value)}
          r={p.value === null ? 2.5 : 3.5}
          data-n={p.n}
          data-value={p.value ?? ''}
          data-outcome={p.outcome}
        >
          <title>
            #{p.n} {offset(p.atMs - goLiveMs)}: {p.value ?? 'no value'} — {p.outcome} ({p.reason})
          </title>
        </circle>
      ))}
    </svg>
  );
}

/** The measurements in a run's events, per monitor, in order (each `n` once). */
export function measurementsOf(
  events: readonly {
    readonly atMs: number;
    readonly type: string;
    readonly data?: Record<string, unknown>;
  }[],
): Map<string, MeasurementPoint[]> {
  const byMonitor = new Map<string, MeasurementPoint[]>();
  for (const e of events) {
    if (e.type !== 'monitor.measured' || !e.data) continue;
    const d = e.data as { monitorId: string; n: number; outcome: string; reason: string; value?: unknown };
    const list = byMonitor.get(d.monitorId) ?? [];
    if (list.some((p) => p.n === d.n)) continue;
    const v = Array.isArray(d.value) && d.value.length === 1 ? d.value[0] : d.value;
    list.push({
      n: d.n,
      atMs: e.atMs,
      value: typeof v === 'number' && Number.isFinite(v) ? v : null,
      outcome: d.outcome,
      reason: d.reason,
    });
    byMonitor.set(d.monitorId, list);
  }
  return byMonitor;
}
