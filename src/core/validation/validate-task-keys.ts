import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { RawPlan, RawTask } from '../plan/plan-schema.js';

/** Keys that only mean something for one kind of task. */
const KIND_KEYS: Readonly<Record<string, readonly (keyof RawTask)[]>> = {
  gate: ['voters', 'quorum', 'requires', 'deadline', 'onTimeout'],
  wait: ['until', 'condition'],
  automated: ['with', 'retry', 'idempotent'],
};

/**
 * Keys written on a task of the wrong kind (voters on a plain task, an action on a gate, ...), which would
 * otherwise be silently ignored.
 */
export function validateTaskKeys(raw: RawPlan): Issue[] {
  const issues: Issue[] = [];
  raw.phases.forEach((phase, p) =>
    phase.tasks.forEach((t, i) => {
      const path = ['phases', p, 'tasks', i];
      const kind =
        t.type === 'gate'
          ? 'gate'
          : t.type === 'wait'
            ? 'wait'
            : t.action !== undefined
              ? 'automated'
              : 'manual';
      for (const [owner, keys] of Object.entries(KIND_KEYS)) {
        if (owner === kind) continue;
        for (const key of keys) {
          if (t[key] === undefined) continue;
          const forWhat = owner === 'automated' ? 'tasks with an action' : `${owner} tasks (type: ${owner})`;
          issues.push({
            ...error(
              'key-not-for-kind',
              [...path, key],
              `'${key}' only applies to ${forWhat}; this task is ${article(kind)} ${kind} task`,
            ),
            atKey: true,
          });
        }
      }
      if (kind !== 'automated' && t.action !== undefined) {
        issues.push({
          ...error(
            'key-not-for-kind',
            [...path, 'action'],
            `a ${kind} task cannot have an action`,
            kind === 'wait' ? 'use condition: { action, with } to wait on a check' : undefined,
          ),
          atKey: true,
        });
      }
      if (kind === 'wait' && t.until === undefined && t.condition === undefined) {
        issues.push(
          error(
            'wait-without-target',
            path,
            `wait task '${t.id}' has neither until: nor condition:`,
            'add until: T-10m or condition: { action, with }',
          ),
        );
      }
    }),
  );
  return issues;
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
