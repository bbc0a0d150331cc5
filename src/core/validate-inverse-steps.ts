import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { Plan } from './plan.js';
import { didYouMeanHint } from './did-you-mean.js';
import type { ActionCatalog } from './validate-references.js';

/**
 * Rollback steps that say `inverse: TASK`: the task must exist, run an action, and that action must know how
 * to undo itself; the step names no action of its own.
 */
export function validateInverseSteps(plan: Plan, actions: ActionCatalog): Issue[] {
  const issues: Issue[] = [];
  const tasks = plan.tasks.map((t) => t.id);
  plan.rollback.steps.forEach((s, i) => {
    if (!s.inverse) return;
    const path = ['rollback', 'steps', i];
    if (s.call) {
      issues.push(
        error(
          'inverse-with-action',
          [...path, 'inverse'],
          `rollback step '${s.id}' has both inverse: and action: — it either undoes a task or runs an action`,
          'remove action:/with: to undo the task with what it recorded, or remove inverse:',
        ),
      );
    }
    const task = plan.tasks.find((t) => t.id === s.inverse?.task);
    if (!task) {
      issues.push(
        error(
          'unknown-task',
          [...path, 'inverse'],
          `unknown task '${s.inverse.task}'`,
          didYouMeanHint(s.inverse.task, tasks),
        ),
      );
      return;
    }
    if (!task.call) {
      issues.push(
        error(
          'inverse-of-manual-task',
          [...path, 'inverse'],
          `task '${task.id}' is ${task.kind === 'manual' ? 'done by a person' : `a ${task.kind}`}: it runs no action that tminus could undo`,
          'write the rollback step by hand (owner: and a description, or an action:)',
        ),
      );
      return;
    }
    if (actions.invertible && !actions.invertible.includes(task.call.action)) {
      issues.push(
        error(
          'no-inverse',
          [...path, 'inverse'],
          `task '${task.id}' runs ${task.call.action}, which has no inverse`,
          `actions with one: ${actions.invertible.join(', ')}; otherwise write the rollback step's action: by hand`,
        ),
      );
    }
  });
  return issues;
}
