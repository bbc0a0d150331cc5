import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { Plan } from '../plan/plan.js';
import type { ActionCatalog } from './validate-references.js';

/**
 * Rollback steps that say `inverse: TASK` need the task's action to know how to undo itself (from its
 * parameters, or from what it recorded). The task's existence and kind are checked with the references.
 */
export function validateInverseSteps(plan: Plan, actions: ActionCatalog): Issue[] {
  const issues: Issue[] = [];
  const invertible = actions.invertible;
  if (!invertible) return issues;
  plan.rollback.steps.forEach((s, i) => {
    const action = plan.tasks.find((t) => t.id === s.inverseOf)?.call?.action;
    if (action === undefined || invertible.includes(action)) return;
    issues.push(
      error(
        'no-inverse',
        ['rollback', 'steps', i, 'inverse'],
        `task '${s.inverseOf}' runs ${action}, which has no inverse`,
        `actions with one: ${invertible.join(', ')}; otherwise write the rollback step's action: by hand`,
      ),
    );
  });
  return issues;
}
