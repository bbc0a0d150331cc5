import type { RunView, TaskView } from './api.js';
import { offset } from './time-format.js';

/**
 * Planned vs actual per task on one time axis relative to T-0: the outline is the plan, the filled bar what
 * really happened (to now while open), critical-path tasks marked, a line at now.
 */
export function Timeline({ view, nowMs }: { view: RunView; nowMs: number }) {
  const g = view.run.goLiveMs;
  const rows: TaskView[] = [...view.tasks, ...(view.run.rollback ? view.rollbackSteps : [])];
  const actualStart = (t: TaskView) => (t.state.firstStartedAtMs ?? Infinity) - g;
  const actualEnd = (t: TaskView) =>
    t.state.firstStartedAtMs === undefined ? -Infinity : (t.state.endedAtMs ?? nowMs) - g;
  const from = Math.min(...rows.map((t) => Math.min(t.plannedStartMs, actualStart(t))), nowMs - g);
  const to = Math.max(...rows.map((t) => Math.max(t.plannedFinishMs, actualEnd(t))), nowMs - g) + 60_000;
  const span = Math.max(to - from, 60_000);
  const pct = (ms: number) => `${(((ms - from) / span) * 100).toFixed(2)}%`;
  const width = (a: number, b: number) => `${Math.max(((b - a) / span) * 100, 0.4).toFixed(2)}%`;
  const critical = new Set(view.schedule.criticalPath);
  return (
    <section class="panel timeline" aria-label="timeline">
      <h2>
        Timeline <span class="muted small">plan (outline) vs actual (filled) · critical path in red</span>
      </h2>
      <div class="axis">
        <span>{offset(from)}</span>
        <span>{offset(from + span / 2)}</span>
        <span>{offset(to)}</span>
      </div>
      <div class="gantt">
        <div class="now-layer" aria-hidden="true">
          <div class="now-line" style={{ left: pct(nowMs - g) }} />
        </div>
        {rows.map((t) => (
          <div class="gantt-row" key={t.id}>
            <span class={`gantt-label ${critical.has(t.id) ? 'critical' : ''}`} title={t.title}>
              {t.id}
            </span>
            <div class="gantt-track">
              <div
                class={`bar planned ${critical.has(t.id) ? 'critical' : ''}`}
                style={{ left: pct(t.plannedStartMs), width: width(t.plannedStartMs, t.plannedFinishMs) }}
              />
              {t.state.firstStartedAtMs !== undefined && (
                <div
                  class={`bar actual s-${t.state.status} ${t.lateMs > 0 ? 'late' : ''}`}
                  style={{ left: pct(actualStart(t)), width: width(actualStart(t), actualEnd(t)) }}
                />
              )}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
