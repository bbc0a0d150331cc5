import { useState } from 'preact/hooks';
import type { Me, RunView, TaskView } from './api.js';
import type { TaskAction } from './allowed-actions.js';
import { taskActions } from './allowed-actions.js';
import { human, offset } from './time-format.js';

const LABEL: Record<TaskAction, string> = {
  complete: 'Complete',
  fail: 'Fail',
  skip: 'Skip',
  retry: 'Retry',
};

function TaskRow(props: { view: RunView; me: Me; t: TaskView; onAct: (t: TaskView, a: TaskAction) => void }) {
  const { t } = props;
  const actions = taskActions(props.view, props.me, t);
  const s = t.state;
  return (
    <li class={`task s-${s.status} ${t.critical ? 'on-critical' : ''}`} data-task={t.id}>
      <div class="task-main">
        <span class={`pill s-${s.status}`} data-testid={`state-${t.id}`}>
          {s.status}
          {s.hold ? ` · ${s.hold}` : ''}
        </span>
        <span class="task-title">
          <strong>{t.title}</strong> <span class="muted">{t.id}</span>
        </span>
      </div>
      <div class="task-meta">
        <span title="owner role and its members">
          {t.owner ?? 'leads'}: {t.actors.join(', ') || 'nobody'}
        </span>
        <span>
          plan {offset(t.plannedStartMs)}–{offset(t.plannedFinishMs)}
        </span>
        {t.lateMs > 0 && <span class="late">late {human(t.lateMs)}</span>}
        {s.by && s.by !== 'system' && <span>by {s.by}</span>}
        {s.reason && <span class="muted">“{s.reason}”</span>}
        {s.error && <span class="error">{s.error.message}</span>}
      </div>
      {actions.length > 0 && (
        <div class="actions">
          {actions.map((a) => (
            <button
              key={a}
              class={a === 'complete' ? 'primary' : a === 'fail' ? 'danger' : ''}
              onClick={() => props.onAct(t, a)}
              data-action={`${a}-${t.id}`}
            >
              {LABEL[a]}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}

/** Tasks by phase (or by owner role) with state, owner, lateness and the signed-in person's buttons. */
export function TaskBoard(props: { view: RunView; me: Me; onAct: (t: TaskView, a: TaskAction) => void }) {
  const [by, setBy] = useState<'phase' | 'role'>('phase');
  const { view } = props;
  const groups =
    by === 'phase'
      ? view.phases.map((p) => ({
          key: p.id,
          title: `${p.title || p.id} @ ${offset(p.atMs)}${p.pulled ? ' (pulled forward)' : ''}`,
          tasks: p.taskIds.map((id) => view.tasks.find((t) => t.id === id)).filter((t): t is TaskView => !!t),
        }))
      : [...new Set(view.tasks.map((t) => t.owner ?? 'leads'))].map((role) => ({
          key: role,
          title: `${view.roles[role]?.title ?? role} (${role})`,
          tasks: view.tasks.filter((t) => (t.owner ?? 'leads') === role),
        }));
  return (
    <section class="panel tasks" aria-label="tasks">
      <h2>
        Tasks
        <span class="toggle" role="group" aria-label="group tasks by">
          <button aria-pressed={by === 'phase'} onClick={() => setBy('phase')}>
            by phase
          </button>
          <button aria-pressed={by === 'role'} onClick={() => setBy('role')}>
            by role
          </button>
        </span>
      </h2>
      {groups.map((g) => (
        <div key={g.key} class="group">
          <h3>{g.title}</h3>
          <ul class="task-list">
            {g.tasks
              .filter((t) => t.kind !== 'gate')
              .map((t) => (
                <TaskRow key={t.id} view={view} me={props.me} t={t} onAct={props.onAct} />
              ))}
            {g.tasks.some((t) => t.kind === 'gate') && (
              <li class="muted small">
                gates:{' '}
                {g.tasks
                  .filter((t) => t.kind === 'gate')
                  .map((t) => t.id)
                  .join(', ')}{' '}
                (see go / no-go)
              </li>
            )}
          </ul>
        </div>
      ))}
      {view.run.rollback && (
        <div class="group rollback-steps">
          <h3>Rollback steps</h3>
          <ul class="task-list">
            {view.rollbackSteps.map((t) => (
              <TaskRow key={t.id} view={view} me={props.me} t={t} onAct={props.onAct} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
