/**
 * The steps changed since a reader last took them, for a run state someone watches (`watchStepChanges`):
 * `applyEvent` notes every step an event makes done, not done, pending, waiting or retrying (not one it only
 * starts or abandons), `withSuccesses` every step it puts back. A reader that remembers something derived
 * from the steps (the scheduler's frontier) re-reads only these. A list, not a set (an add is a push: no hash
 * per event), so a step changed twice is listed twice; bounded by `limit`: past it the list stops growing and
 * `overflowed` says the reader must read every step again.
 */
export interface StepChanges {
  /** The ids of the steps changed since the reader last cleared it (maybe repeated), up to `limit` of them. */
  readonly ids: string[];
  /**
   * Side by side with `ids`: whether the step was done (1) or not (0) right after that change. The last entry
   * of a step says whether it is done now: every change that makes a step done or not done is listed.
   */
  readonly done: number[];
  /** How many ids are kept before `overflowed` is set instead (the reader sets it). */
  limit: number;
  /** Some changes were not listed: the reader reads every step again. */
  overflowed: boolean;
}

/** Keyed by the state object (no import of its type: this module is imported by the one that defines it). */
const watched = new WeakMap<object, StepChanges>();
/** The last state looked up, and its record (events come in runs for one state: no WeakMap lookup each). */
let lastState: object | undefined;
let lastChanges: StepChanges | undefined;

/** Starts noting the changes of a state's steps (from now on), or the record already kept. */
export function watchStepChanges(state: object): StepChanges {
  let changes = watched.get(state);
  if (changes === undefined) {
    changes = { ids: [], done: [], limit: 1024, overflowed: false };
    watched.set(state, changes);
    if (lastState === state) lastChanges = changes;
  }
  return changes;
}

/** Clears what a reader took. */
export function clearStepChanges(changes: StepChanges): void {
  changes.ids.length = 0;
  changes.done.length = 0;
  changes.overflowed = false;
}

/** Notes a change of one step of a state, when someone watches it, and whether the step is done after it. */
export function noteStepChange(state: object, stepId: string, done: boolean): void {
  if (state !== lastState) {
    lastState = state;
    lastChanges = watched.get(state);
  }
  const changes = lastChanges;
  if (changes === undefined) return;
  if (changes.ids.length < changes.limit) {
    changes.ids.push(stepId);
    changes.done.push(done ? 1 : 0);
  } else changes.overflowed = true;
}
