import type { Me, RunView, TaskView } from './api.js';

export type TaskAction = 'complete' | 'fail' | 'skip' | 'retry';

/**
 * The buttons to offer the signed-in person on a task: a hint only — the server decides with the same
 * rules as the CLI and answers with the reason when it refuses.
 */
export function taskActions(view: RunView, me: Me, t: TaskView): TaskAction[] {
  if (me.role === 'viewer' || view.run.status === 'ended' || t.kind === 'gate') return [];
  if (!t.actors.includes(me.person)) return [];
  if (view.run.rollback && t.kind !== 'rollback') return [];
  const s = t.state;
  const automated = t.kind === 'automated';
  if (s.status === 'waiting' && !automated) return ['complete', 'fail', 'skip'];
  if (s.status === 'held') {
    return s.hold === 'outcome-unknown'
      ? ['complete', 'fail', 'retry', 'skip']
      : ['retry', 'complete', 'skip'];
  }
  if (s.status === 'pending' || s.status === 'retrying') return ['skip'];
  return [];
}

export function canVote(view: RunView, me: Me, t: TaskView): boolean {
  return (
    me.role !== 'viewer' &&
    view.run.status !== 'ended' &&
    !view.run.rollback &&
    t.kind === 'gate' &&
    t.state.status === 'waiting' &&
    t.gate?.outcome === null &&
    t.actors.includes(me.person) &&
    !t.gate.votes.some((v) => v.by === me.person)
  );
}

export const isLead = (view: RunView, me: Me): boolean =>
  me.role !== 'viewer' && view.run.status !== 'ended' && view.leads.includes(me.person);
