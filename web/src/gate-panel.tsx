import type { Me, RunView, TaskView } from './api.js';
import { canVote } from './allowed-actions.js';
import { offset } from './time-format.js';

/** Go / no-go: each gate's votes, quorum, deadline and outcome, with vote buttons for eligible voters. */
export function GatePanel(props: {
  view: RunView;
  me: Me;
  nowMs: number;
  onVote: (t: TaskView, vote: 'go' | 'no-go') => void;
}) {
  const gates = props.view.tasks.filter((t) => t.kind === 'gate');
  if (gates.length === 0) return null;
  return (
    <section class="panel gates" aria-label="go / no-go">
      <h2>Go / no-go</h2>
      {gates.map((t) => {
        const g = t.gate!;
        const voted = new Set(g.votes.map((v) => v.by));
        const deadline = g.deadlineMs === null ? undefined : props.view.run.goLiveMs + g.deadlineMs;
        return (
          <div class={`gate outcome-${g.outcome ?? 'open'}`} key={t.id} data-gate={t.id}>
            <div class="gate-head">
              <strong>{t.title}</strong>
              <span
                class={`pill big-pill ${g.outcome === 'go' ? 's-succeeded' : g.outcome === 'no-go' ? 's-held' : `s-${t.state.status}`}`}
                data-testid={`gate-${t.id}`}
              >
                {g.outcome
                  ? g.outcome.toUpperCase()
                  : t.state.status === 'waiting'
                    ? 'voting'
                    : t.state.status}
              </span>
            </div>
            <div class="muted small">
              quorum {g.quorum} · {g.votes.filter((v) => v.vote === 'go').length}/{g.required} go needed
              {deadline !== undefined &&
                ` · closes ${offset(g.deadlineMs!)}${deadline < props.nowMs ? ' (closed)' : ''} → ${g.onTimeout}`}
              {g.blockedBy.length > 0 && ` · blocked by ${g.blockedBy.join(', ')}`}
            </div>
            <ul class="votes">
              {g.votes.map((v) => (
                <li key={v.by} class={`vote ${v.vote}`}>
                  <strong>{v.by}</strong> {v.vote}
                  {v.reason ? ` — ${v.reason}` : ''}
                </li>
              ))}
              {t.actors
                .filter((p) => !voted.has(p))
                .map((p) => (
                  <li key={p} class="vote pending">
                    {p} <span class="muted">not yet</span>
                  </li>
                ))}
            </ul>
            {canVote(props.view, props.me, t) && (
              <div class="actions">
                <button class="primary" onClick={() => props.onVote(t, 'go')} data-action={`vote-go-${t.id}`}>
                  Vote GO
                </button>
                <button
                  class="danger"
                  onClick={() => props.onVote(t, 'no-go')}
                  data-action={`vote-no-go-${t.id}`}
                >
                  Vote NO-GO
                </button>
              </div>
            )}
          </div>
        );
      })}
    </section>
  );
}
