import type { NewRunEvent, RunEvent } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { AppendFence, AppendResult, RunStore } from '../store/store.js';

/** Tries before giving up when other processes keep appending at the same moment. */
export const MAX_APPEND_TRIES = 50;

export interface AppendDecidedInput {
  readonly store: RunStore;
  readonly runId: string;
  /** Reads what others appended and returns the state it leads to (undefined: stop, nothing to do). */
  readonly read: () => Promise<RunState | undefined>;
  /**
   * Decides the events on that state, or throws when it no longer allows them (a `TminusError` the caller
   * shows as is); undefined or empty: nothing to append.
   */
  readonly decide: (state: RunState) => readonly NewRunEvent[] | undefined;
  /** What is being done, for the message when the run keeps changing. */
  readonly what: string;
  readonly maxTries?: number;
  /** A worker's writes: applied only while it still holds the run's lease at this epoch. */
  readonly fence?: AppendFence;
  /** Appends otherwise than `store.append` (a worker's step result, fenced on its step claim). */
  readonly append?: (expectedSeq: number, events: readonly NewRunEvent[]) => Promise<AppendResult>;
}

/**
 * The one policy for writing to a run when another process may append first: read again, decide again on
 * the new state (it may refuse now: a vote after the gate closed, a complete after a skip — nothing is
 * appended then), append only if the journal still ends where it was read, and give up after a bounded
 * number of tries with `STORE_CONFLICT`. People's commands, `tminus check`, fired criteria and the executor
 * all write through it. Returns the appended events, or undefined when there was nothing to append.
 */
export async function appendDecided(input: AppendDecidedInput): Promise<readonly RunEvent[] | undefined> {
  const tries = input.maxTries ?? MAX_APPEND_TRIES;
  for (let i = 0; i < tries; i++) {
    const state = await input.read();
    if (state === undefined) return undefined;
    const events = input.decide(state);
    if (!events || events.length === 0) return undefined;
    const r = input.append
      ? await input.append(state.lastSeq, events)
      : await input.store.append(input.runId, state.lastSeq, events, input.fence);
    if (r.ok) return r.events;
    if (r.rejected) {
      const d = r.rejected.data;
      const now =
        d.type === 'append.rejected' && d.current
          ? `${d.current.holder} (epoch ${d.current.epoch})`
          : 'nobody';
      throw new TminusError(
        'LEASE_LOST',
        `${input.what} lost run ${input.runId}: its lease (epoch ${input.fence?.epoch ?? '?'}) now belongs to ${now}; the write was recorded as rejected, not applied`,
        { retryable: false },
      );
    }
  }
  throw new TminusError(
    'STORE_CONFLICT',
    `run ${input.runId} kept changing under ${input.what}: ${tries} tries, each overtaken by another writer`,
    { retryable: true, hint: 'try again; if it persists, look for a runaway process writing to this run' },
  );
}
