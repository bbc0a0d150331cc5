/**
 * The steps changed since a reader last took them, for a run state someone watches (`watchStepChanges`):
 * `applyEvent` notes every step an event makes done, not done, pending, waiting or retrying (not one it only
 * starts or abandons), `withSuccesses` every step it puts back. A reader that remembers something derived
 * from the steps (the scheduler's frontier) re-reads only these. Bounded by the run's steps: each is noted
 * once, however often it changes, until taken.
 */
export interface StepChanges {
  /** The ids of the steps changed since the reader last cleared it. */
  readonly changed: Set<string>;
}

/** Keyed by the state object (no import of its type: this module is imported by the one that defines it). */
const watched = new WeakMap<object, StepChanges>();

/** Starts noting the changes of a state's steps (from now on), or the record already kept. */
export function watchStepChanges(state: object): StepChanges {
  let changes = watched.get(state);
  if (changes === undefined) {
    changes = { changed: new Set() };
    watched.set(state, changes);
  }
  return changes;
}

/** Notes a change of one step of a state, when someone watches it. */
export function noteStepChange(state: object, stepId: string): void {
  watched.get(state)?.changed.add(stepId);
}
