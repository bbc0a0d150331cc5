import type { Me, RunView } from './api.js';
import { isLead } from './allowed-actions.js';
import { clockTime } from './time-format.js';

type Criterion = RunView['watch']['criteria'][number];

/**
 * The go-live watch: each rollback criterion (fired, asked, decided) and success. Run leads get the buttons
 * the CLI's `tminus declare` / `tminus decide` give: declare a manual criterion, answer a fired one's
 * decision, declare success. A hint only: the server decides with the same rules.
 */
export function WatchPanel(props: {
  view: RunView;
  me: Me;
  onDeclare: (c: Criterion) => void;
  onDecide: (c: Criterion, decision: 'continue' | 'rollback') => void;
  onSuccess: () => void;
}) {
  const { view, me } = props;
  const { criteria, success } = view.watch;
  if (criteria.length === 0 && view.monitors.length === 0) return null;
  const lead = isLead(view, me) && !view.run.rollback;
  const pending = criteria.filter((c) => c.fired && !c.decision);
  return (
    <section class="panel watch" aria-label="go-live watch">
      <h2>Go-live watch</h2>
      {success && (
        <p class="banner good" data-testid="success-banner">
          SUCCESS declared by {success.by} at {clockTime(success.atMs)}: {success.reason}
        </p>
      )}
      <ul class="criteria">
        {criteria.map((c) => (
          <li key={c.id} data-criterion={c.id} class={c.fired ? (c.decision ? 'decided' : 'fired') : ''}>
            <strong>{c.title}</strong>{' '}
            <span class="muted small">
              {c.id} · {c.when}
            </span>
            <div class="small" data-testid={`criterion-${c.id}`}>
              {c.decision
                ? `decided: ${c.decision.decision} by ${c.decision.by} — ${c.decision.reason}`
                : c.fired
                  ? `FIRED: ${c.fired.detail}${c.asked?.deadlineAtMs ? ` · ${c.asked.default} at ${clockTime(c.asked.deadlineAtMs)} unless decided` : ''}`
                  : c.declared
                    ? `declared by ${c.declared.by}: ${c.declared.reason} — the run fires it next`
                    : 'quiet'}
            </div>
            {lead && c.fired && !c.decision && (
              <div class="actions">
                <button onClick={() => props.onDecide(c, 'continue')} data-action={`continue-${c.id}`}>
                  Continue…
                </button>
                <button
                  class="danger"
                  onClick={() => props.onDecide(c, 'rollback')}
                  data-action={`decide-rollback-${c.id}`}
                >
                  Roll back…
                </button>
              </div>
            )}
            {lead && c.manual && !c.fired && !c.declared && (
              <div class="actions">
                <button class="danger" onClick={() => props.onDeclare(c)} data-action={`declare-${c.id}`}>
                  Declare…
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {lead && !success && view.run.status !== 'ended' && (
        <div class="actions">
          <button
            class="primary"
            onClick={props.onSuccess}
            data-action="declare-success"
            disabled={pending.length > 0}
            title={pending.length > 0 ? `decide ${pending.map((c) => c.id).join(', ')} first` : undefined}
          >
            Declare success…
          </button>
        </div>
      )}
    </section>
  );
}
