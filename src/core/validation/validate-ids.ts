import type { Issue, PathSegment } from './issue.js';
import { error } from './issue.js';
import type { Plan } from '../plan/plan.js';

/** One id in one namespace, where it was written. */
interface Declared {
  readonly id: string;
  readonly path: readonly PathSegment[];
  readonly what: string;
}

/**
 * Duplicate ids. Tasks, checklist items and rollback steps share one namespace because people name them
 * alike on the command line (`tminus complete ID`); phases, monitors and criteria each have their own.
 */
export function validateIds(plan: Plan): Issue[] {
  const steps: Declared[] = [
    ...plan.tasks.map((t) => ({ id: t.id, path: [...t.path, 'id'], what: 'task' })),
    ...plan.checklist.map((c) => ({ id: c.id, path: [...c.path, 'id'], what: 'checklist item' })),
    ...plan.rollback.steps.map((s, i) => ({
      id: s.id,
      path: ['rollback', 'steps', i, 'id'],
      what: 'rollback step',
    })),
  ];
  return [
    ...duplicates(steps),
    ...duplicates(plan.phases.map((p) => ({ id: p.id, path: ['phases', p.index, 'id'], what: 'phase' }))),
    ...duplicates(plan.monitors.map((m, i) => ({ id: m.id, path: ['monitors', i, 'id'], what: 'monitor' }))),
    ...duplicates(
      plan.rollback.criteria.map((c, i) => ({
        id: c.id,
        path: ['rollback', 'criteria', i, 'id'],
        what: 'criterion',
      })),
    ),
  ];
}

function duplicates(declared: readonly Declared[]): Issue[] {
  const first = new Map<string, Declared>();
  const issues: Issue[] = [];
  for (const d of declared) {
    const earlier = first.get(d.id);
    if (earlier === undefined) {
      first.set(d.id, d);
    } else {
      issues.push({
        ...error('duplicate-id', d.path, `duplicate id '${d.id}': a ${earlier.what} already has it`),
        related: earlier.path,
      });
    }
  }
  return issues;
}
