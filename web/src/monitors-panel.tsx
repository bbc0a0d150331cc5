import type { RunView } from './api.js';
import { human } from './time-format.js';

/** The plan's go-live monitors; their measurements appear here once the run records them. */
export function MonitorsPanel({ view }: { view: RunView }) {
  if (view.monitors.length === 0) return null;
  return (
    <section class="panel monitors" aria-label="monitors">
      <h2>Monitors</h2>
      <ul>
        {view.monitors.map((m) => (
          <li key={m.id}>
            <strong>{m.title}</strong>{' '}
            <span class="muted small">
              {m.id} · every {human(m.intervalMs)}
            </span>
            <div class="muted small">no measurements recorded in this run yet</div>
          </li>
        ))}
      </ul>
    </section>
  );
}
