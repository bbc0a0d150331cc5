import type { Plan, Task } from './plan.js';

const indexes = new WeakMap<Plan, ReadonlyMap<string, number>>();

/**
 * Each task's position in `plan.tasks`, by id (plans are immutable, so the index is built once per plan; a
 * plain loop: it runs once, before the code is compiled). With an id given twice, the last position.
 */
export function taskIndex(plan: Plan): ReadonlyMap<string, number> {
  let index = indexes.get(plan);
  if (index === undefined) {
    const built = new Map<string, number>();
    const tasks = plan.tasks;
    for (let i = 0; i < tasks.length; i++) built.set(tasks[i]!.id, i);
    indexes.set(plan, built);
    index = built;
  }
  return index;
}

/** A task by id in constant time. */
export function taskById(plan: Plan, id: string): Task | undefined {
  const i = taskIndex(plan).get(id);
  return i === undefined ? undefined : plan.tasks[i];
}
