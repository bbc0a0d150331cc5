import type { Issue } from './issue.js';
import { error } from './issue.js';
import type { Plan, Task } from '../plan/plan.js';
import { didYouMeanHint } from '../did-you-mean.js';

/**
 * `after:` references: unknown ids, self-dependencies, dependencies on a later phase (which could never be
 * met, since a phase waits for the one before it), and cycles, printed in full.
 */
export function validateDependencies(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  // The first task of an id: a duplicate (reported by validateIds) must not hide the first one's links.
  const byId = new Map<string, Task>();
  for (const t of plan.tasks) if (!byId.has(t.id)) byId.set(t.id, t);
  const otherSteps = new Map<string, string>([
    ...plan.checklist.map((c) => [c.id, 'a checklist item'] as const),
    ...plan.rollback.steps.map((s) => [s.id, 'a rollback step'] as const),
  ]);
  for (const task of plan.tasks) {
    task.after.forEach((dep, i) => {
      const path = [...task.path, 'after', i];
      const target = byId.get(dep);
      if (dep === task.id) {
        issues.push(error('self-dependency', path, `task '${task.id}' depends on itself`));
      } else if (target === undefined) {
        const other = otherSteps.get(dep);
        issues.push(
          other
            ? error(
                'bad-dependency',
                path,
                `'${dep}' is ${other}, not a task`,
                other === 'a checklist item' ? 'gates wait for checklist items with requires:' : undefined,
              )
            : error(
                'unknown-task',
                path,
                `unknown task '${dep}' in after:`,
                didYouMeanHint(dep, byId.keys()),
              ),
        );
      } else if (target.phaseIndex > task.phaseIndex) {
        issues.push(
          error(
            'dependency-on-later-phase',
            path,
            `task '${task.id}' (phase '${task.phaseId}') depends on '${dep}' in the later phase '${target.phaseId}'`,
            'move one of the tasks, or drop the dependency: a phase starts after the one before it',
          ),
        );
      }
    });
  }
  for (const cycle of findCycles(plan.tasks, byId)) {
    const first = byId.get(cycle[0]!)!;
    issues.push(
      error(
        'dependency-cycle',
        [...first.path, 'after'],
        `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}`,
        'remove one of the after: links in the cycle',
      ),
    );
  }
  return issues;
}

/** Each elementary cycle found by an iterative depth-first search, reported once (starting at its first task in plan order). */
function findCycles(tasks: readonly Task[], byId: ReadonlyMap<string, Task>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  for (const root of tasks) {
    if (state.has(root.id)) continue;
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    const onPath: string[] = [root.id];
    state.set(root.id, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = byId.get(frame.id)!.after.filter((d) => byId.has(d) && d !== frame.id);
      if (frame.next < deps.length) {
        const dep = deps[frame.next++]!;
        const s = state.get(dep);
        if (s === 'open') {
          const cycle = onPath.slice(onPath.indexOf(dep)).reverse();
          // Rotate so it starts with the task that appears first in the plan: stable output.
          const order = new Map<string, number>();
          tasks.forEach((t, i) => order.set(t.id, order.get(t.id) ?? i));
          const start = cycle.reduce(
            (best, id, i) => (order.get(id)! < order.get(cycle[best]!)! ? i : best),
            0,
          );
          cycles.push([...cycle.slice(start), ...cycle.slice(0, start)]);
        } else if (s === undefined) {
          state.set(dep, 'open');
          stack.push({ id: dep, next: 0 });
          onPath.push(dep);
        }
      } else {
        state.set(frame.id, 'done');
        stack.pop();
        onPath.pop();
      }
    }
  }
  return cycles;
}
