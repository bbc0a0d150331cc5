import type { Plan } from '../core/plan/plan.js';
import type { PersonCommand } from '../core/run/run-commands.js';
import type { RunEvent } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import type { WatchCommand } from '../core/go-live/watch-commands.js';
import type { CheckRecorded } from '../engine/readiness-check.js';
import type { ObservedDuration } from '../core/schedule/observed-durations.js';
import type { RunSummary } from '../store/store.js';

/** Where a person's command came from, for the journal and messages. */
export interface CommandOrigin {
  readonly via: 'api';
  readonly tokenId: string;
  readonly address: string | undefined;
}

/** A run as the server needs it: its plan, its folded state and whether an executor drives it. */
export interface OpenedRunView {
  readonly plan: Plan;
  readonly state: RunState;
  readonly events: readonly RunEvent[];
}

/**
 * Everything the HTTP server does to runs, in one seam: list, open, read events, act as a person. The
 * server holds no rule of its own: `SessionRunAccess` passes everything to the engine's run session.
 */
export interface RunAccess {
  listRuns(): Promise<readonly RunSummary[]>;
  /** Opens a run (RUN_NOT_FOUND when there is none with that id). */
  open(runId: string): Promise<OpenedRunView>;
  readEvents(runId: string, afterSeq: number, limit?: number): Promise<readonly RunEvent[]>;
  /** The run's time now (virtual in a sped-up rehearsal, frozen while no executor drives a rehearsal). */
  runTime(state: RunState): Promise<number>;
  /** Whether an executor currently drives the run, and who. */
  executor(runId: string): Promise<{ readonly pid: number; readonly host: string } | undefined>;
  /** Checks and appends a person's command; returns the appended events or throws the engine's refusal. */
  act(
    runId: string,
    person: string,
    command: PersonCommand | ((nowMs: number) => PersonCommand),
    origin: CommandOrigin,
  ): Promise<readonly RunEvent[]>;
  /** Checks and appends a go-live watch command (declare, decide, success) as the person. */
  actOnWatch(
    runId: string,
    person: string,
    command: WatchCommand,
    origin: CommandOrigin,
  ): Promise<readonly RunEvent[]>;
  /** Task durations seen in earlier runs of the run's plan (in this store), for the forecast. */
  history(runId: string): Promise<readonly ObservedDuration[]>;
  /** Runs the automated readiness checks now and records their evidence (the executor's own code). */
  runChecks(runId: string, origin: CommandOrigin): Promise<readonly CheckRecorded[]>;
}
