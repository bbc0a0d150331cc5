import type { RunView, TaskView } from './api.js';
import { offset } from './time-format.js';

/**
 * Planned vs actual vs forecast per task on one time axis relative to T-0: the outline is the plan, the
 * filled bar what really happened (to now while open), the hatched bar where the live schedule expects a
 * task still to come; critical-path tasks marked; lines at now, at the planned end, at the forecast end
 * (p50, with the p90 band) and at the window's end.
 */
export function Timeline({ view, nowMs }: { view: RunView; nowMs: number }) {
  const g = view.run.goLiveMs;
  const f = view.forecast;
  const rows: TaskView[] = [...view.tasks, ...(view.run.rollback ? view.rollbackSteps : [])];
  const expected = new Map(f.tasks.map((t) => [t.id, t]));
  const actualStart = (t: TaskView) => (t.state.firstStartedAtMs ?? Infinity) - g;
  const actualEnd = (t: TaskView) =>
    t.state.firstStartedAtMs === undefined ? -Infinity : (t.state.endedAtMs ?? nowMs) - g;
  const open = (t: TaskView) =>
    !['succeeded', 'skipped', 'abandoned'].includes(t.state.status) && view.run.status !== 'ended';
  const ends = [
    f.plannedEndMs,
    f.p90EndMs,
    f.expectedEndMs,
    ...(f.windowEndMs === null ? [] : [f.windowEndMs]),
  ];
  const from = Math.min(...rows.map((t) => Math.min(t.plannedStartMs, actualStart(t))), nowMs - g);
  const to =
    Math.max(...rows.map((t) => Math.max(t.plannedFinishMs, actualEnd(t))), nowMs - g, ...ends) + 60_000;
  const span = Math.max(to - from, 60_000);
  const pct = (ms: number) => `${(((ms - from) / span) * 100).toFixed(2)}%`;
  const width = (a: number, b: number) => `${Math.max(((b - a) / span) * 100, 0.4).toFixed(2)}%`;
  const critical = new Set(view.schedule.criticalPath);
  const slip = f.p50EndMs - f.plannedEndMs;
  return (
    <section class="panel timeline" aria-label="timeline">
      <h2>
        Timeline{' '}
        <span class="muted small">
          plan (outline) vs actual (filled) vs forecast (hatched) · critical path in red
        </span>
      </h2>
      <p class="forecast-line" data-testid="forecast">
        <span data-testid="planned-end" data-ms={f.plannedEndMs}>
          planned end <strong>{offset(f.plannedEndMs)}</strong>
        </span>
        {' · '}
        <span
          data-testid="forecast-end"
          data-ms={f.p50EndMs}
          class={slip > 60_000 ? 'late' : slip < -60_000 ? 'early' : ''}
        >
          forecast end <strong>{offset(f.p50EndMs)}</strong> (p90 {offset(f.p90EndMs)})
        </span>
        {f.windowEndMs !== null && (
          <>
            {' · '}
            <span data-testid="window-chance">
              window ends {offset(f.windowEndMs)}:{' '}
              <strong>{Math.round((f.chanceInsideWindow ?? 0) * 100)}%</strong> chance to finish inside
            </span>
          </>
        )}
        <span class="muted small">
          {' '}
          · {f.samples} samples
          {f.learnedFrom > 0 ? `, ${f.learnedFrom} durations from earlier runs` : ', from the estimates'}
        </span>
      </p>
      <div class="axis">
        <span>{offset(from)}</span>
        <span>{offset(from + span / 2)}</span>
        <span>{offset(to)}</span>
      </div>
      <div class="gantt">
        <div class="now-layer" aria-hidden="true">
          <div
            class="forecast-band"
            style={{ left: pct(f.p50EndMs), width: width(f.p50EndMs, Math.max(f.p50EndMs, f.p90EndMs)) }}
          />
          <div class="end-line planned-end" style={{ left: pct(f.plannedEndMs) }} title="planned end" />
          <div class="end-line forecast-end" style={{ left: pct(f.p50EndMs) }} title="forecast end (p50)" />
          {f.windowEndMs !== null && (
            <div class="end-line window-end" style={{ left: pct(f.windowEndMs) }} title="window end" />
          )}
          <div class="now-line" style={{ left: pct(nowMs - g) }} />
        </div>
        {rows.map((t) => {
          const e = expected.get(t.id);
          return (
            <div class="gantt-row" key={t.id}>
              <span class={`gantt-label ${critical.has(t.id) ? 'critical' : ''}`} title={t.title}>
                {t.id}
              </span>
              <div class="gantt-track">
                <div
                  class={`bar planned ${critical.has(t.id) ? 'critical' : ''}`}
                  style={{ left: pct(t.plannedStartMs), width: width(t.plannedStartMs, t.plannedFinishMs) }}
                />
                {e && open(t) && (
                  <div
                    class="bar forecast"
                    data-forecast={t.id}
                    title={`expected ${offset(e.startMs)} → ${offset(e.finishMs)}`}
                    style={{ left: pct(e.startMs), width: width(e.startMs, e.finishMs) }}
                  />
                )}
                {t.state.firstStartedAtMs !== undefined && (
                  <div
                    class={`bar actual s-${t.state.status} ${t.lateMs > 0 ? 'late' : ''}`}
                    style={{ left: pct(actualStart(t)), width: width(actualStart(t), actualEnd(t)) }}
                  />
                )}
              </div>
            </div>
          );
        })}
      </div>
    </section>
  );
}
