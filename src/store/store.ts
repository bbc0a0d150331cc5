import type { NewRunEvent, RunEvent } from '../core/run/run-event.js';
import type { JournalVerdict } from './journal/journal-audit.js';

/** One run as listed by the store. */
export interface RunSummary {
  readonly runId: string;
  readonly planName: string;
  readonly createdAtMs: number;
  readonly lastSeq: number;
  readonly ended: boolean;
}

/** The process that drives a run; only one may hold a run's lease at a time. */
export interface LeaseHolder {
  readonly id: string;
  readonly pid: number;
  readonly host: string;
}

/** A lease that another holder had and did not release, replaced by this one (a take-over). */
export interface ReplacedLease {
  readonly holder: LeaseHolder;
  readonly epoch: number;
  readonly expiresAtMs: number;
}

/**
 * A granted lease. `epoch` grows with every grant in the store (never reused): appends fenced with it are
 * refused once anyone else was granted the run.
 */
export interface LeaseGrant {
  readonly ok: true;
  readonly epoch: number;
  readonly replaced?: ReplacedLease;
}

export type LeaseResult =
  LeaseGrant | { readonly ok: false; readonly holder: LeaseHolder; readonly expiresAtMs: number };

/** A run a worker claimed (see `RunStore.claimRun`). */
export interface ClaimedRun extends LeaseGrant {
  readonly runId: string;
}

/** Makes an append conditional on the writer still holding the run's lease at this epoch. */
export interface AppendFence {
  readonly holderId: string;
  readonly epoch: number;
}

export interface AcquireLeaseOptions {
  /** Wall-clock now (leases are about processes, not about the run's possibly virtual clock). */
  readonly nowMs: number;
  readonly ttlMs: number;
  /** Lets the caller take over a live-looking lease whose holder is known dead (e.g. same host, no pid). */
  readonly holderIsDead?: (holder: LeaseHolder) => boolean;
}

/** The outcome of a conditional append. */
export type AppendResult =
  | { readonly ok: true; readonly events: readonly RunEvent[] }
  /** Someone appended after `expectedSeq`: read the new events, re-check, try again. */
  | { readonly ok: false; readonly lastSeq: number; readonly rejected?: undefined }
  /**
   * The fence failed (another holder was granted the run): nothing asked for was applied; instead the
   * store appended one `append.rejected` event recording what was refused. Retrying cannot help.
   */
  | { readonly ok: false; readonly lastSeq: number; readonly rejected: RunEvent };

/**
 * Where runs live, in domain terms. Every append is one transaction that numbers, hash-chains and stores the
 * events only if the journal still ends at `expectedSeq` — callers decide on a state they have read, and the
 * store guarantees nobody changed it in between (two people completing the same task: one wins).
 * Implementations: SQLite (embedded default); PostgreSQL later with the same contract suite.
 */
export interface RunStore {
  /** Creates a run with its first events (the first must be `run.started`); fails if the id exists. */
  createRun(runId: string, events: readonly NewRunEvent[]): Promise<readonly RunEvent[]>;
  /**
   * Appends events atomically if the run's last sequence number is still `expectedSeq` and, with a
   * `fence`, only while that holder still has the run's lease at that epoch (checked in the same
   * transaction); a failed fence records an `append.rejected` event instead.
   */
  append(
    runId: string,
    expectedSeq: number,
    events: readonly NewRunEvent[],
    fence?: AppendFence,
  ): Promise<AppendResult>;
  /** Events with seq > afterSeq (all when omitted), in order. */
  readEvents(runId: string, afterSeq?: number, limit?: number): Promise<readonly RunEvent[]>;
  /** Runs, most recent first. */
  listRuns(): Promise<readonly RunSummary[]>;
  /** The stored head of the chain (seq and hash), kept apart from the events to detect a deleted tail. */
  head(runId: string): Promise<{ readonly seq: number; readonly hash: string } | undefined>;
  /**
   * Verifies a run's journal against its key (kept outside the store) and the witness: what was changed,
   * deleted, inserted, reordered or appended, and where. Throws `RUN_NOT_FOUND` for an unknown run.
   */
  verifyJournal(runId: string): Promise<JournalVerdict>;
  acquireLease(runId: string, holder: LeaseHolder, options: AcquireLeaseOptions): Promise<LeaseResult>;
  /**
   * For workers: takes the lease of one unfinished run that nobody holds (or whose lease expired), oldest
   * first, skipping runs another worker is claiming at this moment; undefined when there is none.
   */
  claimRun(holder: LeaseHolder, options: AcquireLeaseOptions): Promise<ClaimedRun | undefined>;
  /** Extends a lease this holder has; false when it was lost (another process took over). */
  renewLease(runId: string, holderId: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(runId: string, holderId: string): Promise<void>;
  /** Who holds the run's lease and until when (wall clock), if anyone ever did and did not release it. */
  leaseOf(runId: string): Promise<{ readonly holder: LeaseHolder; readonly expiresAtMs: number } | undefined>;
  /** The lease's epoch (see `LeaseGrant`), if anyone holds the run's lease. */
  leaseEpoch(runId: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** A started step of a run, at one attempt: what a worker may claim and execute (see `StepClaims`). */
export interface StepRef {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
}

/**
 * A step claimed by a worker: its own lease, renewed by heartbeat, and an epoch (a sequence, never reused).
 * The worker's result is appended only while this claim is still the step's (see `appendStepResult`).
 */
export interface ClaimedStep extends StepRef {
  readonly holderId: string;
  readonly epoch: number;
}

/** A step's claim as its run's driver sees it. `offered`: nobody has claimed it yet. */
export interface StepClaimRow {
  readonly stepId: string;
  readonly attempt: number;
  readonly state: 'offered' | 'claimed' | 'revoked';
  readonly holder?: LeaseHolder;
  readonly epoch?: number;
  readonly expiresAtMs?: number;
}

/** A claim taken away from a worker whose step lease ran out (it died or stalled). */
export interface RevokedStepClaim {
  readonly holder: LeaseHolder;
  readonly epoch: number;
  readonly expiresAtMs: number;
}

/**
 * Steps executed by any worker of a shared store (PostgreSQL): the run's driver offers each started step;
 * workers claim offered steps (`FOR UPDATE SKIP LOCKED`), each with a lease and an epoch; a claim whose
 * lease ran out is revoked by the driver, and the late result of its holder is then kept as an
 * `append.rejected` event, not applied. Wall-clock times throughout, as for run leases.
 */
export interface StepClaims {
  /**
   * Offers started steps to the workers, only while `fence` still holds the run's lease (false otherwise: a
   * driver that lost the run offers nothing); a step already offered (or done) at that attempt is left as is.
   */
  offerSteps(
    runId: string,
    steps: readonly { stepId: string; attempt: number }[],
    fence: AppendFence,
  ): Promise<boolean>;
  /** Unfinished runs with steps offered now (oldest offers first): a worker reads such a run before claiming. */
  runsWithOfferedSteps(limit: number): Promise<readonly string[]>;
  /** Claims the oldest offered step of an unfinished run that no other worker is claiming now. */
  claimStep(holder: LeaseHolder, options: { nowMs: number; ttlMs: number }): Promise<ClaimedStep | undefined>;
  /** Extends this worker's claim; false when it is no longer its own (revoked: stop, the result is refused). */
  renewStepClaim(claim: ClaimedStep, nowMs: number, ttlMs: number): Promise<boolean>;
  /** The run's claims not yet done (offered, claimed, or revoked with the take-over not yet recorded). */
  openStepClaims(runId: string): Promise<readonly StepClaimRow[]>;
  /**
   * Takes a claim away from its holder once its lease ran out by `nowMs` (or returns the claim already
   * revoked); undefined when the claim is live, done or absent.
   */
  revokeStepClaim(step: StepRef, nowMs: number): Promise<RevokedStepClaim | undefined>;
  /**
   * Takes back an offer nobody has claimed (an executor about to run the step itself, see `tminus resume`):
   * the claim is done and no worker can claim it afterwards. False when a worker claimed it meanwhile (or it
   * is done or absent).
   */
  withdrawStepOffer(step: StepRef): Promise<boolean>;
  /**
   * Marks a claim done without a result: the step no longer needs running (settled by a person, ended).
   * False when the claim is no longer this worker's (taken over).
   */
  dropStepClaim(claim: ClaimedStep): Promise<boolean>;
  /**
   * As `append`, but conditional on `claim` still being the step's current claim (holder and epoch) instead
   * of on a run lease; marks the claim done in the same transaction. A stale claim records one
   * `append.rejected` event (naming the step) instead, and nothing asked for is applied.
   */
  appendStepResult(
    claim: ClaimedStep,
    expectedSeq: number,
    events: readonly NewRunEvent[],
  ): Promise<AppendResult>;
}

/** Whether a store lets several workers execute the steps of one run (the PostgreSQL store does). */
export const hasStepClaims = (store: object): store is StepClaims =>
  typeof (store as Partial<StepClaims>).claimStep === 'function';

/** What a token lets its bearer do: act as its person (role-checked by the plan), or only look. */
export type TokenRole = 'person' | 'viewer';

/** A per-person API token as stored: only a hash of its secret, never the secret itself. */
export interface AccessTokenRecord {
  /** Public id, part of the token text; used to list and revoke. */
  readonly id: string;
  readonly person: string;
  readonly role: TokenRole;
  /** SHA-256 of the secret part, hex. */
  readonly secretHash: string;
  readonly createdAtMs: number;
  readonly expiresAtMs?: number;
  readonly revokedAtMs?: number;
}

/** Where API tokens live (same file or database as the runs); SQLite and PostgreSQL implement it. */
export interface TokenStore {
  /** Stores a new token; fails with STORE_CONFLICT if the id exists. */
  createToken(token: AccessTokenRecord): Promise<void>;
  tokenById(id: string): Promise<AccessTokenRecord | undefined>;
  /** Every token, newest first (revoked and expired ones too: the list is the record). */
  listTokens(): Promise<readonly AccessTokenRecord[]>;
  /** Marks a token revoked at `atMs`; false when no such token or it was already revoked. */
  revokeToken(id: string, atMs: number): Promise<boolean>;
}

/**
 * Wake-up hints between processes (PostgreSQL LISTEN/NOTIFY). Best effort: a hint can be lost (a dropped
 * connection, a pooler in transaction mode), so whoever listens also polls; hints only cut latency.
 */
export interface AppendHints {
  /**
   * Calls `onAppend` after another (or this) process moved a run's head; keeps reconnecting until the
   * returned function is called. `onLink` reports the listening connection going down and coming back.
   */
  listen(
    onAppend: (runId: string, seq: number) => void,
    onLink?: (up: boolean, error?: unknown) => void,
  ): Promise<() => Promise<void>>;
}

/** Whether a store can send wake-up hints (the PostgreSQL store can). */
export const hasAppendHints = (store: object): store is AppendHints =>
  typeof (store as Partial<AppendHints>).listen === 'function';
