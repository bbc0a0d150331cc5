import { formatDuration } from '../../core/plan/duration.js';
import { formatOffset } from '../../core/plan/offset.js';
import type { ReportMonitor, RunReport } from '../../core/report/run-report.js';
import { escapeHtml } from './escape.js';

/*
 * The report's charts as inline SVG: drawn here rather than with a charting library because the page must
 * stay one self-contained file (no script, no network) that prints as it shows; a Gantt of bars, a line of
 * measurements and budget bars are a few rectangles and a polyline each.
 */

const COLOURS: Record<string, string> = {
  succeeded: '#2e7d32',
  skipped: '#9e9e9e',
  abandoned: '#c62828',
  held: '#ef6c00',
  running: '#1565c0',
  waiting: '#1565c0',
  retrying: '#ef6c00',
  pending: '#bdbdbd',
  successful: '#2e7d32',
  failed: '#c62828',
  inconclusive: '#ef6c00',
  error: '#6a1b9a',
};

const colour = (status: string) => COLOURS[status] ?? '#757575';

interface Row {
  readonly label: string;
  readonly plannedFrom: number;
  readonly plannedTo: number;
  readonly actualFrom: number | undefined;
  readonly actualTo: number | undefined;
  readonly forecastTo: number | undefined;
  readonly status: string;
  readonly critical: boolean;
}

/** Most tasks a Gantt draws one row each for; bigger plans are drawn phase by phase. */
export const TASK_ROWS_MAX = 150;

/** Planned (grey) against actual (coloured by status) bars, with T-0, the point of no return and the window. */
export function timelineSvg(report: RunReport): string {
  const t0 = report.run.goLiveMs;
  const byTask = report.timeline.tasks.length <= TASK_ROWS_MAX;
  const rows: Row[] = byTask
    ? report.timeline.tasks.map((t) => ({
        label: t.id,
        plannedFrom: t.plannedStartAtMs,
        plannedTo: t.plannedEndAtMs,
        actualFrom: t.actualStartAtMs,
        actualTo: t.actualEndAtMs ?? (t.actualStartAtMs === undefined ? undefined : report.run.endedAtMs),
        forecastTo: t.forecastEndAtMs,
        status: t.status,
        critical: t.onActualCriticalPath,
      }))
    : report.timeline.phases.map((p) => ({
        label: p.id,
        plannedFrom: p.plannedStartAtMs,
        plannedTo: p.plannedEndAtMs,
        actualFrom: p.actualStartAtMs,
        actualTo: p.actualEndAtMs,
        forecastTo: p.forecastEndAtMs,
        status:
          p.actualEndAtMs !== undefined ? 'succeeded' : p.actualStartAtMs !== undefined ? 'held' : 'pending',
        critical: false,
      }));
  const marks = [
    { at: t0, label: 'T-0' },
    ...(report.run.pointOfNoReturnAtMs === undefined
      ? []
      : [{ at: report.run.pointOfNoReturnAtMs, label: 'PONR' }]),
    ...(report.run.windowEndAtMs === undefined
      ? []
      : [{ at: report.run.windowEndAtMs, label: 'window end' }]),
  ];
  const times = rows.flatMap((r) =>
    [r.plannedFrom, r.plannedTo, r.actualFrom, r.actualTo].filter((x): x is number => x !== undefined),
  );
  times.push(...marks.map((m) => m.at));
  const from = Math.min(...times);
  const to = Math.max(...times, from + 60_000);
  const labelW = 190;
  const plotW = 760;
  const rowH = 18;
  const top = 34;
  const height = top + rows.length * rowH + 24;
  const x = (at: number) => labelW + ((at - from) / (to - from)) * plotW;
  const parts: string[] = [];
  for (let k = 0; k <= 6; k++) {
    const at = from + ((to - from) * k) / 6;
    parts.push(
      `<line x1="${x(at).toFixed(1)}" y1="${top - 4}" x2="${x(at).toFixed(1)}" y2="${height - 20}" stroke="#eee"/>`,
      `<text x="${x(at).toFixed(1)}" y="${height - 6}" font-size="10" text-anchor="middle" fill="#555">${escapeHtml(formatOffset(at - t0))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(
      `<text x="${labelW - 6}" y="${y + 12}" font-size="11" text-anchor="end" fill="${r.critical ? '#b71c1c' : '#222'}">${escapeHtml(r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label)}</text>`,
      `<rect x="${x(r.plannedFrom).toFixed(1)}" y="${y + 2}" width="${Math.max(1, x(r.plannedTo) - x(r.plannedFrom)).toFixed(1)}" height="6" fill="#cfd8dc"><title>${escapeHtml(`${r.label} planned ${formatOffset(r.plannedFrom - t0)} to ${formatOffset(r.plannedTo - t0)}`)}</title></rect>`,
    );
    if (r.actualFrom !== undefined && r.actualTo !== undefined) {
      parts.push(
        `<rect x="${x(r.actualFrom).toFixed(1)}" y="${y + 9}" width="${Math.max(1.5, x(r.actualTo) - x(r.actualFrom)).toFixed(1)}" height="7" fill="${colour(r.status)}"><title>${escapeHtml(`${r.label} actual ${formatOffset(r.actualFrom - t0)} to ${formatOffset(r.actualTo - t0)} (${formatDuration(r.actualTo - r.actualFrom)}, ${r.status})`)}</title></rect>`,
      );
    }
    if (r.forecastTo !== undefined) {
      parts.push(
        `<line x1="${x(r.forecastTo).toFixed(1)}" y1="${y + 1}" x2="${x(r.forecastTo).toFixed(1)}" y2="${y + 17}" stroke="#6a1b9a" stroke-width="1.5"><title>${escapeHtml(`${r.label} forecast end ${formatOffset(r.forecastTo - t0)}`)}</title></line>`,
      );
    }
  });
  marks.forEach((m, k) => {
    // Labels alternate between two lines so that marks close together stay readable.
    parts.push(
      `<line x1="${x(m.at).toFixed(1)}" y1="${top - 8}" x2="${x(m.at).toFixed(1)}" y2="${height - 20}" stroke="#b71c1c" stroke-dasharray="4 3"/>`,
      `<text x="${x(m.at).toFixed(1)}" y="${top - 10 - (k % 2) * 12}" font-size="10" text-anchor="middle" fill="#b71c1c">${escapeHtml(m.label)}</text>`,
    );
  });
  return `<svg class="chart" role="img" aria-label="timeline: planned against actual" viewBox="0 0 ${labelW + plotW + 20} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** A monitor's measurements over time: the values as a line, each point coloured by its outcome. */
export function monitorSvg(m: ReportMonitor, goLiveMs: number): string {
  const pts = m.measurements;
  if (pts.length === 0) return '';
  const w = 640;
  const h = 160;
  const left = 56;
  const bottom = 22;
  const from = pts[0]!.atMs;
  const to = Math.max(pts.at(-1)!.atMs, from + 1);
  const values = pts.map((p) => p.value).filter((v): v is number => v !== undefined);
  const lo = values.length ? Math.min(...values) : 0;
  const hiRaw = values.length ? Math.max(...values) : 1;
  const hi = hiRaw === lo ? lo + 1 : hiRaw;
  const x = (at: number) => left + ((at - from) / (to - from)) * (w - left - 10);
  const y = (v: number) => 10 + (1 - (v - lo) / (hi - lo)) * (h - bottom - 20);
  const parts: string[] = [
    `<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#999"/>`,
    `<text x="${left - 4}" y="${y(hi) + 4}" font-size="10" text-anchor="end">${escapeHtml(String(+hi.toPrecision(4)))}</text>`,
    `<text x="${left - 4}" y="${y(lo) + 4}" font-size="10" text-anchor="end">${escapeHtml(String(+lo.toPrecision(4)))}</text>`,
    `<text x="${left}" y="${h - 6}" font-size="10">${escapeHtml(formatOffset(from - goLiveMs))}</text>`,
    `<text x="${w - 10}" y="${h - 6}" font-size="10" text-anchor="end">${escapeHtml(formatOffset(to - goLiveMs))}</text>`,
  ];
  const line = pts
    .filter((p) => p.value !== undefined)
    .map((p) => `${x(p.atMs).toFixed(1)},${y(p.value!).toFixed(1)}`)
    .join(' ');
  if (line) parts.push(`<polyline points="${line}" fill="none" stroke="#1565c0" stroke-width="1.5"/>`);
  for (const p of pts) {
    const cy = p.value === undefined ? h - bottom - 6 : y(p.value);
    parts.push(
      `<circle cx="${x(p.atMs).toFixed(1)}" cy="${cy.toFixed(1)}" r="3.5" fill="${colour(p.outcome)}"><title>${escapeHtml(`#${p.n} ${formatOffset(p.atMs - goLiveMs)} ${p.valueText ?? ''} ${p.outcome}: ${p.reason}`)}</title></circle>`,
    );
  }
  return `<svg class="chart" role="img" aria-label="${escapeHtml(`monitor ${m.id}`)}" viewBox="0 0 ${w} ${h}" width="${w}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Each rollback step's time used against its budget. */
export function budgetSvg(
  steps: readonly { id: string; budgetMs: number; usedMs: number; over: boolean }[],
): string {
  if (steps.length === 0) return '';
  const max = Math.max(...steps.flatMap((s) => [s.budgetMs, s.usedMs]), 1);
  const labelW = 170;
  const plotW = 420;
  const rowH = 20;
  const parts = steps.map((s, i) => {
    const y = 6 + i * rowH;
    const bw = (s.budgetMs / max) * plotW;
    const uw = (s.usedMs / max) * plotW;
    return (
      `<text x="${labelW - 6}" y="${y + 12}" font-size="11" text-anchor="end">${escapeHtml(s.id)}</text>` +
      `<rect x="${labelW}" y="${y + 2}" width="${bw.toFixed(1)}" height="12" fill="none" stroke="#555"/>` +
      `<rect x="${labelW}" y="${y + 4}" width="${Math.max(0, uw).toFixed(1)}" height="8" fill="${s.over ? '#c62828' : '#2e7d32'}"><title>${escapeHtml(`${s.id}: ${formatDuration(s.usedMs)} of ${formatDuration(s.budgetMs)}`)}</title></rect>`
    );
  });
  return `<svg class="chart" role="img" aria-label="rollback budget" viewBox="0 0 ${labelW + plotW + 20} ${steps.length * rowH + 12}" width="${labelW + plotW + 20}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
