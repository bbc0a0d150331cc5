import type { Me, RunView } from './api.js';
import { clockTime } from './time-format.js';

type Item = RunView['checklist'][number];

/** The readiness checklist: each item's state, who checked or signed it, and its recorded evidence. */
export function ChecklistPanel(props: { view: RunView; me: Me; onSign: (item: Item) => void }) {
  const { view, me } = props;
  if (view.checklist.length === 0) return null;
  return (
    <section class="panel checklist" aria-label="readiness checklist">
      <h2>Readiness</h2>
      <ul class="check-list">
        {view.checklist.map((c) => {
          const ok = c.check?.ok === true;
          const canSign =
            me.role !== 'viewer' &&
            view.run.status !== 'ended' &&
            !c.automated &&
            !c.check?.signed &&
            c.signers.includes(me.person);
          return (
            <li key={c.id} class={`check ${ok ? 'ok' : c.check ? 'bad' : 'open'}`} data-check={c.id}>
              <span class="mark" aria-hidden="true">
                {ok ? '✔' : c.check ? '✖' : '○'}
              </span>
              <div>
                <div>
                  <strong>{c.title}</strong>{' '}
                  <span class="muted small">
                    {c.category}/{c.id} · {c.owner}
                  </span>
                </div>
                <div class="small">
                  {c.check
                    ? `${c.check.summary} — ${c.check.by} at ${clockTime(c.check.atMs)}`
                    : c.automated
                      ? 'automated check not run yet'
                      : `needs sign-off by ${c.signers.join(', ') || c.owner}`}
                </div>
                {c.check?.evidence && (
                  <details class="small">
                    <summary>evidence</summary>
                    <pre>{JSON.stringify(c.check.evidence, null, 2)}</pre>
                  </details>
                )}
              </div>
              {canSign && (
                <button class="primary" onClick={() => props.onSign(c)} data-action={`sign-${c.id}`}>
                  Sign off
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
