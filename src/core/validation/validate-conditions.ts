import { conditionProblem } from '../conditions/condition.js';
import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { Plan } from '../plan/plan.js';

const CONDITION_KEYS = ['failWhen', 'successWhen'] as const;

/**
 * Malformed `failWhen`/`successWhen` conditions, on monitors and in the `with:` of any step (metrics.query
 * takes them too), each reported with the column inside the condition so it can be fixed before T-0.
 */
export function validateConditions(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  const check = (text: unknown, path: readonly (string | number)[]) => {
    if (typeof text !== 'string') return;
    const problem = conditionProblem(text, ['result']);
    if (problem) {
      issues.push(
        error(
          'invalid-condition',
          path,
          `${problem.message} at column ${problem.column} of condition '${text}'`,
          `conditions look like: result > 0.02 and not isNaN(result)`,
        ),
      );
    }
  };
  plan.monitors.forEach((m, i) => {
    check(m.failWhen, ['monitors', i, 'failWhen']);
    check(m.successWhen, ['monitors', i, 'successWhen']);
    for (const key of CONDITION_KEYS) check(m.call.with[key], ['monitors', i, 'with', key]);
  });
  for (const task of plan.tasks) {
    for (const key of CONDITION_KEYS) check(task.call?.with[key], [...task.path, 'with', key]);
  }
  for (const item of plan.checklist) {
    for (const key of CONDITION_KEYS) check(item.check?.with[key], [...item.path, 'check', 'with', key]);
  }
  return issues;
}
