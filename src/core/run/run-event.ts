import type { WatchEventData } from '../go-live/watch-event.js';

/**
 * The journal of a run: every change is one of these events, appended and never edited. The run's state is
 * a pure fold of them (`foldRun`). Times are epoch milliseconds on the run's clock (virtual in rehearsals).
 */

/** Who caused an event: a person id, `auto` (rehearsal `--auto-approve`) or `system` (the engine). */
export type Actor = string;
export const SYSTEM: Actor = 'system';
export const AUTO: Actor = 'auto';

export type RunMode = 'rehearsal' | 'live';
export type RunOutcome = 'completed' | 'rolled-back' | 'aborted' | 'no-go';
export type Vote = 'go' | 'no-go';

/** A failure as stored: code and message only, already redacted. */
export interface StoredError {
  readonly code: string;
  readonly message: string;
}

/**
 * Where a person's command came from, recorded in the event beside the actor (and covered by its hash):
 * the actor says who, the origin says through which door — a terminal (OS user, host, pid) or the HTTP API
 * (token id, client address).
 */
export type Origin =
  | { readonly via: 'cli'; readonly osUser: string; readonly host: string; readonly pid: number }
  | { readonly via: 'api'; readonly tokenId: string; readonly clientAddress: string };

export type RunEventData = RunEventBody & {
  /** Set on events a person's command (or `tminus check`) appended; absent on the engine's own events. */
  readonly origin?: Origin;
  /**
   * The wall-clock time (epoch ms) the event happened, on events of a compressed rehearsal (`--speed` ≠ 1),
   * whose `atMs` is the run clock's. Kept in the event, so it is sealed with it; no store column.
   */
  readonly wallMs?: number;
};

type RunEventBody =
  | {
      readonly type: 'run.started';
      readonly planName: string;
      readonly planTitle: string;
      /** The plan text the run executes, so a resume never depends on the file being unchanged. */
      readonly planText: string;
      /**
       * The same plan parsed (plain JSON), so that opening the run needs no YAML parser; written by
       * `RunSession.create`, absent in older journals and when the document does not survive JSON as is.
       */
      readonly planDocument?: unknown;
      readonly planPath: string;
      readonly mode: RunMode;
      readonly goLiveMs: number;
      readonly dryRun: boolean;
      readonly autoApprove: boolean;
      readonly comms: 'off' | 'test' | 'on';
      readonly speed: number;
      /** Ids of the plan's rollback steps: a rollback abandons every other step still in flight. */
      readonly rollbackSteps: readonly string[];
      /** sha256 of the plan's content (comments, layout and goLive aside); absent in older journals. */
      readonly planHash?: string;
      /** A live run: the accepted rehearsal of the same plan it matched, if any. */
      readonly rehearsal?: { readonly runId: string; readonly outcome: RunOutcome };
    }
  /** An executor took the run; `realMs`/`speed` anchor the run clock so other processes can read it. */
  | {
      readonly type: 'executor.started';
      readonly holder: string;
      readonly realMs: number;
      readonly speed: number;
    }
  /**
   * A worker took the run over from a holder whose lease expired without being released (it died or
   * stalled); steps it had running follow as `step.interrupted`.
   */
  | {
      readonly type: 'lease.taken-over';
      readonly holder: string;
      readonly epoch: number;
      readonly from: string;
      readonly fromEpoch: number;
      /** Wall-clock time the previous lease ran out (real time, not the run's). */
      readonly expiredAtMs: number;
    }
  /**
   * Writes a holder attempted after it lost the run's lease (fencing): kept for the record, not applied.
   * `refused` holds exactly what it tried to append.
   */
  | {
      readonly type: 'append.rejected';
      readonly holder: string;
      readonly epoch: number;
      /** Who holds the lease now (absent when nobody does). */
      readonly current?: { readonly holder: string; readonly epoch: number };
      readonly refused: readonly RunEventData[];
      /** A worker's result of a step it had claimed: `epoch` is its step claim's, taken away since. */
      readonly step?: { readonly stepId: string; readonly attempt: number };
    }
  /**
   * A rehearsal's clock changed pace from this event's time on (`realMs` is the real time of `atMs`): to
   * real time (speed 1) while a person owes a vote, a sign-off or a manual task — `waitingFor` says who and
   * what — and back to the run's speed once nobody does.
   */
  | {
      readonly type: 'clock.paced';
      readonly realMs: number;
      readonly speed: number;
      readonly waitingFor?: string;
    }
  /** A manual task, gate or manual rollback step now waits for people. */
  | { readonly type: 'step.waiting'; readonly stepId: string }
  | { readonly type: 'step.started'; readonly stepId: string; readonly attempt: number }
  | {
      readonly type: 'step.succeeded';
      readonly stepId: string;
      readonly attempt: number;
      readonly summary: string;
      readonly output?: Readonly<Record<string, unknown>>;
    }
  /** Without `retryAtMs` the step is held for its owner (retry, skip, or call a rollback). */
  | {
      readonly type: 'step.failed';
      readonly stepId: string;
      readonly attempt: number;
      readonly error: StoredError;
      readonly retryAtMs?: number;
    }
  /** A resume found the step running: re-run if idempotent, else held with an unknown outcome. */
  | {
      readonly type: 'step.interrupted';
      readonly stepId: string;
      readonly attempt: number;
      readonly rerun: boolean;
      /**
       * The worker executing the step stopped renewing its step claim (it died or stalled): `by` (the run's
       * driver) took the step over from `from`, whose claim of epoch `fromEpoch` ran out at `expiredAtMs`
       * (wall clock). Its late result, if any, is refused.
       */
      readonly takenOver?: {
        readonly by: string;
        readonly from: string;
        readonly fromEpoch: number;
        readonly expiredAtMs: number;
      };
    }
  | { readonly type: 'step.completed'; readonly stepId: string; readonly reason?: string }
  | { readonly type: 'step.marked-failed'; readonly stepId: string; readonly reason?: string }
  | { readonly type: 'step.skipped'; readonly stepId: string; readonly reason: string }
  | { readonly type: 'step.retried'; readonly stepId: string; readonly reason?: string }
  | { readonly type: 'gate.voted'; readonly gateId: string; readonly vote: Vote; readonly reason?: string }
  | {
      readonly type: 'gate.decided';
      readonly gateId: string;
      readonly outcome: Vote;
      readonly basis: 'votes' | 'timeout' | 'auto-approve';
      readonly note?: string;
    }
  | {
      readonly type: 'check.recorded';
      readonly itemId: string;
      readonly ok: boolean;
      readonly summary: string;
      readonly evidence?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'check.signed'; readonly itemId: string; readonly note?: string }
  | { readonly type: 'run.paused'; readonly reason?: string }
  | { readonly type: 'run.unpaused'; readonly reason?: string }
  | {
      readonly type: 'run.rebaselined';
      readonly goLiveMs: number;
      readonly previousGoLiveMs: number;
      readonly reason?: string;
    }
  | { readonly type: 'phase.pulled'; readonly phaseId: string; readonly reason?: string }
  /** The seam for rollback criteria: monitors (a later issue), task failures and the window fire them. */
  | { readonly type: 'criterion.fired'; readonly criterionId: string; readonly detail: string }
  | {
      readonly type: 'rollback.started';
      readonly reason: string;
      readonly criterionId?: string;
      /** Started after the point of no return, knowingly (`--override`). */
      readonly override?: boolean;
    }
  | { readonly type: 'run.ended'; readonly outcome: RunOutcome; readonly reason?: string }
  /** The go-live watch: measurements, decisions, point of no return, success (src/core/go-live/watch-event.ts). */
  | WatchEventData;

export type RunEventType = RunEventBody['type'];

/** An event as it is stored: numbered, timed, attributed and chained to the one before. */
export interface RunEvent {
  readonly runId: string;
  /** 1, 2, 3, … without gaps inside a run. */
  readonly seq: number;
  readonly atMs: number;
  readonly actor: Actor;
  readonly data: RunEventData;
  /** Hash of the previous event (64 zeros for the first). */
  readonly prevHash: string;
  /** sha256 over `prevHash` + the canonical JSON of the event body. */
  readonly hash: string;
}

/** An event about to be appended; the store numbers, chains and hashes it. */
export interface NewRunEvent {
  readonly atMs: number;
  readonly actor: Actor;
  readonly data: RunEventData;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The part of an event the hash covers, in a fixed shape. */
export const hashedBody = (e: Omit<RunEvent, 'hash' | 'prevHash'>): Record<string, unknown> => ({
  runId: e.runId,
  seq: e.seq,
  atMs: e.atMs,
  actor: e.actor,
  data: e.data,
});
