import { canonicalJson } from '../canonical-json.js';
import { formatDuration } from '../plan/duration.js';
import type { Issue } from '../validation/issue.js';
import { warning } from '../validation/issue.js';
import { formatOffset } from '../plan/offset.js';
import type { ActionCall, Plan, RollbackStep, Task } from '../plan/plan.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ActionCatalog } from '../validation/validate-references.js';

/** A forward step that changes something an action can name (a DNS record, a backend, a frozen source). */
export interface ForwardChange {
  readonly task: Task;
  readonly call: ActionCall;
  /** What it changes, as the action names it (e.g. `dns www.example.com. A`). */
  readonly touches: readonly string[];
  /** The call that undoes it, when its action can say. */
  readonly inverse: { readonly action: string; readonly with: Readonly<Record<string, unknown>> } | undefined;
}

/** The forward steps whose actions say they change something, in plan order. */
export function forwardChanges(plan: Plan, catalog: ActionCatalog): ForwardChange[] {
  const changes: ForwardChange[] = [];
  for (const task of plan.tasks) {
    const call = task.call;
    if (!call) continue;
    const touches = catalog.touches?.(call.action, call.with) ?? [];
    if (touches.length === 0) continue;
    changes.push({ task, call, touches, inverse: catalog.inverse?.(call.action, call.with) });
  }
  return changes;
}

/** Does this rollback step undo that forward change? By name, by the same target, or by being its inverse. */
export function undoes(step: RollbackStep, change: ForwardChange, catalog: ActionCatalog): boolean {
  if (step.inverseOf === change.task.id || step.undoes.includes(change.task.id)) return true;
  const call = step.call;
  if (!call) return false;
  if (
    change.inverse &&
    call.action === change.inverse.action &&
    canonicalJson(call.with) === canonicalJson(change.inverse.with)
  ) {
    return true;
  }
  const touched = catalog.touches?.(call.action, call.with) ?? [];
  return touched.some((t) => change.touches.includes(t));
}

/**
 * Rollback coverage: a warning at each forward change that no rollback step undoes, and at each forward change
 * planned to finish after the point of no return (a rollback started once it is made could not finish inside
 * the window). Needs a plan without errors and its schedule.
 */
export function validateRollbackCoverage(plan: Plan, catalog: ActionCatalog, schedule: Schedule): Issue[] {
  const issues: Issue[] = [];
  const finish = new Map(schedule.tasks.map((t) => [t.id, t.finishMs]));
  for (const change of forwardChanges(plan, catalog)) {
    const { task } = change;
    if (!plan.rollback.steps.some((s) => undoes(s, change, catalog))) {
      issues.push(
        warning(
          'change-not-undone',
          [...task.path, 'action'],
          `'${task.id}' changes ${change.touches.join(', ')} and no rollback step undoes it`,
          change.inverse
            ? `add a rollback step with 'inverse: ${task.id}' (tminus rollback draft writes one)`
            : `its action has no automatic inverse here: add a rollback step that puts it back and list it with 'undoes: [${task.id}]'`,
        ),
      );
    }
    const done = finish.get(task.id);
    const ponr = schedule.pointOfNoReturnMs;
    if (plan.window && ponr !== undefined && schedule.rollbackMs > 0 && done !== undefined && done > ponr) {
      issues.push(
        warning(
          'change-after-point-of-no-return',
          [...task.path, 'action'],
          `'${task.id}' is planned to finish at ${formatOffset(done)}, after the point of no return (${formatOffset(ponr)}): the rollback needs ${formatDuration(schedule.rollbackMs)} and only ${formatDuration(Math.max(0, plan.window.endMs - done))} of the window would be left`,
          'shorten the rollback budgets, move the step earlier, or extend window.end',
        ),
      );
    }
  }
  return issues;
}
