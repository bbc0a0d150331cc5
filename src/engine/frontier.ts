import type { Plan, Task } from '../core/plan/plan.js';
import { taskIndex } from '../core/plan/plan-index.js';
import type { RunState, StepState } from '../core/run/run-state.js';
import { isDone, stepsReopened } from '../core/run/run-state.js';
import type { StepChanges } from '../core/run/step-changes.js';
import { clearStepChanges, watchStepChanges } from '../core/run/step-changes.js';

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
  // Plain indexed loops: this runs once per plan, before the code is compiled (no iterators to step through).
  // `plan.tasks` lists the tasks phase by phase, in order (`toPlan`): checked, not assumed.
  const tasks = plan.tasks;
  // The plan's own index of its tasks (one per plan, shared with `taskById`).
  const index = taskIndex(plan);
  // A task id given twice (in two phases, or twice in one) leaves the index shorter than the list.
  if (index.size !== tasks.length) return null;
  const phaseStart = new Uint32Array(plan.phases.length + 1);
  const phaseOf = new Uint32Array(tasks.length);
  let i = 0;
  for (let p = 0; p < plan.phases.length; p++) {
    phaseStart[p] = i;
    const ids = plan.phases[p]!.taskIds;
    if (i + ids.length > tasks.length) return null;
    for (let k = 0; k < ids.length; k++, i++) {
      if (tasks[i]!.id !== ids[k]) return null;
      phaseOf[i] = p;
    }
  }
  if (i !== tasks.length) return null;
  phaseStart[plan.phases.length] = i;
  // Sized up front: a read past the end of an array deoptimizes the compiled code that reads it.
  const dependents: (number[] | undefined)[] = new Array<number[] | undefined>(tasks.length).fill(undefined);
  for (let t = 0; t < tasks.length; t++) {
    const after = tasks[t]!.after;
    for (let k = 0; k < after.length; k++) {
      const j = index.get(after[k]!);
      if (j === undefined) return null;
      (dependents[j] ??= []).push(t);
    }
  }
  return { tasks, index, phaseOf, dependents, phaseStart };
}

/** Whether every task this one runs after is done (a loop: no closure made per task and pass). */
export function depsDone(state: RunState, task: Task): boolean {
  const after = task.after;
  for (let k = 0; k < after.length; k++) if (!isDone(state.steps[after[k]!])) return false;
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
 * What the scheduler remembers of a live state, per phase (each read the first time a pass reaches it, as a
 * walk of every task would): how many of its tasks are not done, and the tasks that may move (a superset of
 * those that can, in plan order: a pass drops the others as it meets them). Kept true by the steps changed
 * since (`StepChanges`, noted by `applyEvent` and `withSuccesses`): each changed step is read again; when it
 * is done its dependents join the frontier, when it is not it joins it itself (a step reopened, retried).
 */
export interface Frontier {
  readonly plan: Plan;
  readonly shape: Shape;
  readonly changes: StepChanges;
  /** Per phase: whether it was read yet (1). Changes to the steps of a phase not read are not followed. */
  readonly read: Uint8Array;
  /** Per task of a phase read: whether it was done when last read (1) or not (0). */
  readonly done: Uint8Array;
  /** Per task: the update (`epoch`) that last read its step, so a step listed twice is read once. */
  readonly seen: Uint32Array;
  epoch: number;
  /** Per phase read: how many of its tasks are not done. */
  readonly notDone: Uint32Array;
  /** Per phase read: task numbers, ascending, that may move. */
  readonly movable: (readonly number[])[];
  /** Per phase read: task numbers that joined since it was last walked (unsorted, maybe repeated). */
  readonly joining: (number[] | undefined)[];
}

const remembered = new WeakMap<RunState, Frontier>();

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
  const changes = watchStepChanges(state);
  clearStepChanges(changes);
  // More changes than tasks between two passes: reading every phase again costs no more than following them.
  changes.limit = Math.max(64, shape.tasks.length);
  const phases = plan.phases.length;
  const fresh: Frontier = {
    plan,
    shape,
    changes,
    read: new Uint8Array(phases),
    done: new Uint8Array(shape.tasks.length),
    seen: new Uint32Array(shape.tasks.length),
    epoch: 0,
    notDone: new Uint32Array(phases),
    movable: new Array<readonly number[]>(phases).fill([]),
    joining: new Array<number[] | undefined>(phases).fill(undefined),
  };
  remembered.set(state, fresh);
  return fresh;
}

/** How many tasks of a phase are not done. */
export function notDoneIn(f: Frontier, state: RunState, p: number): number {
  if (f.read[p] === 0) readPhase(f, state, p);
  return f.notDone[p]!;
}

/** The tasks of a phase that may move, ascending (the caller may replace them with those that still can). */
export function movableIn(f: Frontier, state: RunState, p: number): readonly number[] {
  if (f.read[p] === 0) readPhase(f, state, p);
  const more = f.joining[p];
  if (more !== undefined) {
    f.movable[p] = merged(f.movable[p]!, more);
    f.joining[p] = undefined;
  }
  return f.movable[p]!;
}

function readPhase(f: Frontier, state: RunState, p: number): void {
  const { shape } = f;
  const ids: number[] = [];
  let notDone = 0;
  for (let i = shape.phaseStart[p]!; i < shape.phaseStart[p + 1]!; i++) {
    const task = shape.tasks[i]!;
    const s = state.steps[task.id];
    if (isDone(s)) f.done[i] = 1;
    else {
      f.done[i] = 0;
      notDone++;
      if (canMove(state, task, s)) ids.push(i);
    }
  }
  f.notDone[p] = notDone;
  f.movable[p] = ids;
  f.joining[p] = undefined;
  f.read[p] = 1;
}

function update(f: Frontier, state: RunState): void {
  const { changes, shape } = f;
  if (changes.overflowed) {
    // Changes not all listed: every phase is read again when a pass reaches it (a walk of its tasks).
    f.read.fill(0);
    clearStepChanges(changes);
    return;
  }
  const ids = changes.ids;
  if (ids.length === 0) return;
  const epoch = (f.epoch = f.epoch + 1 === 0xffffffff ? 1 : f.epoch + 1);
  if (epoch === 1) f.seen.fill(0);
  // From the last change back: a step's last entry says whether it is done now (its step is read only when
  // not: to know whether a pass acts on it), the earlier ones are passed over.
  for (let n = ids.length - 1; n >= 0; n--) {
    const i = shape.index.get(ids[n]!);
    if (i === undefined) continue; // a rollback step
    if (f.seen[i] === epoch) continue; // an earlier change of a step read already
    f.seen[i] = epoch;
    const p = shape.phaseOf[i]!;
    const done = changes.done[n]!;
    if (f.read[p] === 1) {
      if (done === 0) {
        const s = state.steps[shape.tasks[i]!.id];
        // Running, held or abandoned: nothing to decide until another change (the walk would drop it).
        if (s === undefined || s.status === 'pending' || s.status === 'waiting' || s.status === 'retrying') {
          join(f, p, i);
        }
      }
      if (done === f.done[i]) continue; // still done: its dependents joined when it became done
      f.done[i] = done;
      if (done === 1) f.notDone[p]! -= 1;
      else {
        f.notDone[p]! += 1;
        continue;
      }
    } else if (done === 0) continue; // read as it is when a pass reaches it
    // Done now: what waited for it may move (in the phases read; the others are read when reached).
    const after = shape.dependents[i];
    if (after !== undefined) {
      for (let k = 0; k < after.length; k++) {
        const j = after[k]!;
        const q = shape.phaseOf[j]!;
        if (f.read[q] === 1) join(f, q, j);
      }
    }
  }
  clearStepChanges(changes);
}

function join(f: Frontier, p: number, i: number): void {
  const more = f.joining[p];
  if (more === undefined) f.joining[p] = [i];
  else {
    more.push(i);
    // A phase no pass walks for long (after one not done): folded in now and then, not kept growing.
    if (more.length > f.shape.phaseStart[p + 1]! - f.shape.phaseStart[p]!) {
      f.movable[p] = merged(f.movable[p]!, more);
      f.joining[p] = undefined;
    }
  }
}

/** Two lists of task numbers as one, ascending and without repeats (`sorted` is; `more` need not be). */
function merged(sorted: readonly number[], more: readonly number[]): number[] {
  // A typed array sorts numbers natively, without a comparator called per comparison.
  const add = Uint32Array.from(more).sort();
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < sorted.length || j < add.length) {
    const next = j >= add.length || (i < sorted.length && sorted[i]! <= add[j]!) ? sorted[i++]! : add[j++]!;
    if (out.length === 0 || out[out.length - 1]! !== next) out.push(next);
  }
  return out;
}
