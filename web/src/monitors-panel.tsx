import type { RunView } from './api.js';
import type { MeasurementPoint } from './monitor-chart.js';
import { MonitorChart } from './monitor-chart.js';
import { human } from './time-format.js';

/** The plan's go-live monitors: phase, conditions and a chart of every measurement recorded so far. */
export function MonitorsPanel({
  view,
  measurements,
}: {
  view: RunView;
  measurements: ReadonlyMap<string, readonly MeasurementPoint[]>;
}) {
  if (view.monitors.length === 0) return null;
  return (
    <section class="panel monitors" aria-label="monitors">
      <h2>Monitors</h2>
      <ul>
        {view.monitors.map((m) => {
          const points = measurements.get(m.id) ?? [];
          return (
            <li key={m.id} data-monitor={m.id}>
              <strong>{m.title}</strong>{' '}
              <span class={`pill m-${m.phase}`} data-testid={`monitor-phase-${m.id}`}>
                {m.phase}
              </span>{' '}
              <span class="muted small">
                {m.id} · every {human(m.intervalMs)}
                {m.failWhen ? ` · fails when ${m.failWhen}` : ''}
                {m.successWhen ? ` · passes when ${m.successWhen}` : ''}
                {m.dryRun ? ' · dry run' : ''}
              </span>
              {points.length === 0 ? (
                <div class="muted small">no measurements recorded in this run yet</div>
              ) : (
                <MonitorChart monitor={m} points={points} goLiveMs={view.run.goLiveMs} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
