import type { Plan, Task } from './plan.js';

const indexes = new WeakMap<Plan, ReadonlyMap<string, Task>>();

/** A task by id in constant time (plans are immutable, so the index is built once per plan). */
export function taskById(plan: Plan, id: string): Task | undefined {
  let index = indexes.get(plan);
  if (index === undefined) {
    index = new Map(plan.tasks.map((t) => [t.id, t]));
    indexes.set(plan, index);
  }
  return index.get(id);
}
