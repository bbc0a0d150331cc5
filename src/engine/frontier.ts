import type { Plan, Task } from '../core/plan/plan.js';
import { taskById } from '../core/plan/plan-index.js';
import type { RunState, StepState } from '../core/run/run-state.js';
import { isDone, stepsReopened } from '../core/run/run-state.js';
import type { StepChanges } from '../core/run/step-changes.js';
import { watchStepChanges } from '../core/run/step-changes.js';

/**
 * A plan's phase tasks in plan order (phase by phase, each phase's tasks in order), numbered: what a frontier
 * needs to find a task, its phase and the tasks that wait for it without a lookup by id.
 */
interface Shape {
  readonly tasks: readonly Task[];
  readonly index: ReadonlyMap<string, number>;
  /** Each task's phase, by number. */
  readonly phaseOf: Uint32Array;
  /** Each task's dependents (the tasks that run after it), by number. */
  readonly dependents: readonly (readonly number[] | undefined)[];
  /** Phase p's tasks are numbers phaseStart[p] to phaseStart[p + 1] − 1. */
  readonly phaseStart: Uint32Array;
}

/** Null: a plan whose dependencies a frontier cannot follow (one outside the phases, a task in two phases). */
const shapes = new WeakMap<Plan, Shape | null>();

function shapeOf(plan: Plan): Shape | undefined {
  let shape = shapes.get(plan);
  if (shape === undefined) {
    shape = buildShape(plan);
    shapes.set(plan, shape);
  }
  return shape ?? undefined;
}

function buildShape(plan: Plan): Shape | null {
  const tasks: Task[] = [];
  const phases: number[] = [];
  const phaseStart = new Uint32Array(plan.phases.length + 1);
  for (const [p, phase] of plan.phases.entries()) {
    phaseStart[p] = tasks.length;
    for (const id of phase.taskIds) {
      const task = taskById(plan, id);
      if (task === undefined) return null;
      tasks.push(task);
      phases.push(p);
    }
  }
  phaseStart[plan.phases.length] = tasks.length;
  const index = new Map<string, number>();
  for (const [i, task] of tasks.entries()) {
    if (index.has(task.id)) return null;
    index.set(task.id, i);
  }
  const dependents: number[][] = [];
  for (const [i, task] of tasks.entries()) {
    for (const d of task.after) {
      const j = index.get(d);
      if (j === undefined) return null;
      (dependents[j] ??= []).push(i);
    }
  }
  return { tasks, index, phaseOf: Uint32Array.from(phases), dependents, phaseStart };
}

/** Whether every task this one runs after is done (a loop: no closure made per task and pass). */
export function depsDone(state: RunState, task: Task): boolean {
  for (const d of task.after) if (!isDone(state.steps[d])) return false;
  return true;
}

/**
 * Whether a pass has anything to decide for a task not done: a pending one whose dependencies are done (start
 * it, or wait for a person), one waiting (a person, votes, a time) or retrying (a backoff). A running, held or
 * abandoned step, and a pending one still blocked, change only by an event.
 */
export function canMove(state: RunState, task: Task, s: StepState | undefined): boolean {
  if (s === undefined || s.status === 'pending') return depsDone(state, task);
  return s.status === 'waiting' || s.status === 'retrying';
}

/**
 * What the scheduler remembers of a live state: per phase, how many tasks are not done, and the tasks that may
 * move (a superset of those that can, in plan order: a pass drops the others as it meets them). Kept true by
 * the steps changed since (`StepChanges`, noted by `applyEvent` and `withSuccesses`): each changed step is read
 * again, and when it is done its dependents join the frontier; a step reopened joins it again itself.
 */
export interface Frontier {
  readonly shape: Shape;
  /** Per phase: how many of its tasks are not done. */
  readonly notDone: Uint32Array;
  /** Per phase: task numbers, ascending, that may move. */
  readonly movable: (readonly number[])[];
}

interface Remembered extends Frontier {
  readonly plan: Plan;
  readonly changes: StepChanges;
  /** Per task: whether it was done when last read (1) or not (0). */
  readonly done: Uint8Array;
}

const remembered = new WeakMap<RunState, Remembered>();

/**
 * The frontier of a state, brought up to date with the steps changed since the last pass; undefined for a state
 * that `applyEvent` did not build (changes to it are not noted) or a plan whose shape a frontier cannot follow:
 * a pass then walks every task.
 */
export function frontierOf(plan: Plan, state: RunState): Frontier | undefined {
  if (stepsReopened(state) === undefined) return undefined;
  const shape = shapeOf(plan);
  if (shape === undefined) return undefined;
  const known = remembered.get(state);
  if (known?.plan === plan) {
    update(known, state);
    return known;
  }
  const fresh = build(plan, shape, state);
  remembered.set(state, fresh);
  return fresh;
}

function build(plan: Plan, shape: Shape, state: RunState): Remembered {
  const changes = watchStepChanges(state);
  changes.changed.clear();
  const phases = plan.phases.length;
  const done = new Uint8Array(shape.tasks.length);
  const notDone = new Uint32Array(phases);
  const movable: number[][] = [];
  for (let p = 0; p < phases; p++) {
    const ids: number[] = [];
    for (let i = shape.phaseStart[p]!; i < shape.phaseStart[p + 1]!; i++) {
      const task = shape.tasks[i]!;
      const s = state.steps[task.id];
      if (isDone(s)) done[i] = 1;
      else {
        notDone[p]! += 1;
        if (canMove(state, task, s)) ids.push(i);
      }
    }
    movable.push(ids);
  }
  return { plan, shape, changes, done, notDone, movable };
}

function update(r: Remembered, state: RunState): void {
  const { changed } = r.changes;
  if (changed.size === 0) return;
  const { shape } = r;
  /** Per phase, the tasks that join its frontier (unsorted, maybe repeated or done). */
  const joining: (number[] | undefined)[] = [];
  for (const id of changed) {
    const i = shape.index.get(id);
    if (i === undefined) continue; // a rollback step
    const done = isDone(state.steps[id]) ? 1 : 0;
    if (done !== r.done[i]) {
      r.done[i] = done;
      if (done === 1) r.notDone[shape.phaseOf[i]!]! -= 1;
      else r.notDone[shape.phaseOf[i]!]! += 1;
    }
    if (done === 0) (joining[shape.phaseOf[i]!] ??= []).push(i);
    else {
      const after = shape.dependents[i];
      if (after !== undefined) for (const j of after) (joining[shape.phaseOf[j]!] ??= []).push(j);
    }
  }
  changed.clear();
  for (let p = 0; p < joining.length; p++) {
    const more = joining[p];
    if (more !== undefined) r.movable[p] = merged(r.movable[p]!, more);
  }
}

const ascending = (a: number, b: number): number => a - b;

/** Two lists of task numbers as one, ascending and without repeats (`sorted` is; `more` need not be). */
function merged(sorted: readonly number[], more: number[]): number[] {
  more.sort(ascending);
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < sorted.length || j < more.length) {
    const next =
      j >= more.length || (i < sorted.length && sorted[i]! <= more[j]!) ? sorted[i++]! : more[j++]!;
    if (out.length === 0 || out[out.length - 1]! !== next) out.push(next);
  }
  return out;
}
