import type { YAMLSeq } from 'yaml';
import { Document } from 'yaml';
import { formatDuration } from '../plan/duration.js';
import { formatOffset } from '../plan/offset.js';
import type { Plan } from '../plan/plan.js';
import type { ForwardChange } from './rollback-coverage.js';
import { forwardChanges } from './rollback-coverage.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ActionCatalog } from '../validation/validate-references.js';

/** One drafted rollback step and the forward change it undoes. */
export interface DraftedStep {
  readonly step: Readonly<Record<string, unknown>>;
  /** Says which forward step it undoes, and how. */
  readonly comment: string;
}

/**
 * Drafts `rollback.steps` from the forward steps that change something: one step per change, the last change
 * first (reverse order of the schedule), with the forward step's estimate as its budget. A change whose action
 * has an inverse becomes `inverse: TASK` (at run time it undoes what the task actually did); one without
 * becomes a manual step for the task's owner that lists it under `undoes:`.
 */
export function draftRollback(plan: Plan, catalog: ActionCatalog, schedule: Schedule): DraftedStep[] {
  const planned = new Map(schedule.tasks.map((t) => [t.id, t]));
  const finish = (c: ForwardChange) => planned.get(c.task.id)?.finishMs ?? 0;
  const changes = forwardChanges(plan, catalog).sort((a, b) => finish(b) - finish(a));
  return changes.map((change) => {
    const { task } = change;
    const when = planned.get(task.id);
    const where = `phase ${task.phaseId}${when ? `, planned ${formatOffset(when.startMs)} → ${formatOffset(when.finishMs)}` : ''}`;
    const common = {
      id: `undo-${task.id}`,
      title: `Undo: ${task.title}`,
      ...(task.owner !== undefined ? { owner: task.owner } : {}),
      budget: formatDuration(task.estimateMs),
    };
    if (change.inverse) {
      return {
        step: { ...common, inverse: task.id },
        comment: `undoes ${task.id} (${where}) with ${change.inverse.action}, from the values recorded when it ran`,
      };
    }
    return {
      step: { ...common, undoes: [task.id] },
      comment: `${task.id} (${where}) changes ${change.touches.join(', ')}; ${task.call?.action ?? 'its action'} cannot undo it from its parameters: put it back by hand`,
    };
  });
}

/** The drafted steps as YAML ready to paste under `rollback.steps:`, each with its comment. */
export function renderRollbackDraft(plan: Plan, steps: readonly DraftedStep[]): string {
  const doc = new Document(steps.map((s) => s.step));
  const seq = doc.contents as YAMLSeq;
  seq.items.forEach((item, i) => {
    (item as { commentBefore?: string }).commentBefore = ` ${steps[i]!.comment}`;
  });
  doc.commentBefore =
    steps.length === 0
      ? ` tminus rollback draft: no step of '${plan.name}' declares a change an action can undo`
      : ` Drafted by tminus rollback draft from '${plan.name}': paste under rollback.steps, then review\n owners and budgets. The last change comes first.`;
  return doc.toString({ lineWidth: 0 });
}
