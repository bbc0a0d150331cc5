import type { LogEvent } from './api.js';
import { clockTime, offset } from './time-format.js';

const LOUD = new Set(['rollback.started', 'run.ended', 'step.failed', 'criterion.fired', 'gate.decided']);

/** The journal, newest first, as `tminus log` words it. */
export function EventLog({ events, goLiveMs }: { events: readonly LogEvent[]; goLiveMs: number }) {
  const shown = events.slice(-300).reverse();
  return (
    <section class="panel log" aria-label="event log">
      <h2>
        Event log <span class="muted small">{events.length} events</span>
      </h2>
      <ol class="events" data-testid="event-log">
        {shown.map((e) => (
          <li key={e.seq} class={LOUD.has(e.type) ? 'loud' : ''} data-seq={e.seq}>
            <span class="muted mono">
              #{e.seq} {offset(e.atMs - goLiveMs)} {clockTime(e.atMs)}
            </span>{' '}
            {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
