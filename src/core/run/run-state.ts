import type { Actor, RunEvent, RunEventData, RunMode, RunOutcome, StoredError, Vote } from './run-event.js';
import { GENESIS_HASH } from './run-event.js';
import { noteStepChange } from './step-changes.js';

/**
 * pending → waiting (for a person or votes) / running → succeeded | skipped; a failure either waits to be
 * retried (`retrying`) or is `held` for a person; `abandoned` when the run ended or rolled back around it.
 */
export type StepStatus =
  'pending' | 'waiting' | 'running' | 'retrying' | 'held' | 'succeeded' | 'skipped' | 'abandoned';

export type Completion = 'normal' | 'skipped' | 'abandoned' | 'auto';

export interface StepState {
  status: StepStatus;
  /** Attempts started so far. */
  attempt: number;
  /** Times this step's action was started (for the "runs at most once" guarantee). */
  starts: number;
  retryAtMs?: number;
  /** Why a held step waits for a person. */
  hold?: 'failed' | 'outcome-unknown';
  firstStartedAtMs?: number;
  startedAtMs?: number;
  endedAtMs?: number;
  summary?: string;
  output?: Readonly<Record<string, unknown>>;
  error?: StoredError;
  completion?: Completion;
  by?: Actor;
  reason?: string;
}

/** A person's vote on a gate: the latest one counts; the journal keeps every vote they cast. */
export interface VoteRecord {
  readonly by: Actor;
  readonly vote: Vote;
  readonly reason?: string;
  readonly atMs: number;
  /** The vote this one replaced, when the person changed their mind before the gate closed. */
  readonly changedFrom?: Vote;
}

export interface GateState {
  votes: VoteRecord[];
  outcome?: Vote;
  basis?: 'votes' | 'timeout' | 'auto-approve';
}

export interface CheckState {
  ok: boolean;
  summary: string;
  by: Actor;
  atMs: number;
  signed: boolean;
  evidence?: Readonly<Record<string, unknown>>;
}

export interface RunState {
  runId: string;
  planName: string;
  planTitle: string;
  planText: string;
  planPath: string;
  mode: RunMode;
  dryRun: boolean;
  autoApprove: boolean;
  comms: 'off' | 'test' | 'on';
  speed: number;
  rollbackSteps: readonly string[];
  /** The plan's content hash (absent in journals older than it). */
  planHash?: string;
  /** A live run: the accepted rehearsal of the same plan it matched. */
  rehearsal?: { readonly runId: string; readonly outcome: RunOutcome };
  startedAtMs: number;
  goLiveMs: number;
  /** Every T-0 the run has had, oldest first (rebaselining keeps the record). */
  goLiveHistory: number[];
  status: 'running' | 'paused' | 'ended';
  /** Who paused the run, when and why, while it is paused. */
  pause?: { readonly by: Actor; readonly atMs: number; readonly reason?: string };
  outcome?: RunOutcome;
  endReason?: string;
  endedAtMs?: number;
  steps: Record<string, StepState>;
  gates: Record<string, GateState>;
  checks: Record<string, CheckState>;
  pulledPhases: string[];
  firedCriteria: Record<string, { atMs: number; detail: string }>;
  rollback?: { startedAtMs: number; by: Actor; reason: string; criterionId?: string };
  /** Every take-over of the run by another worker (its previous holder's lease ran out), oldest first. */
  takeOvers: { atMs: number; by: string; from: string; epoch: number; stepId?: string }[];
  /** Writes refused because their writer had lost the run's lease (fencing), oldest first. */
  rejectedWrites: { atMs: number; holder: string; epoch: number; refused: string[] }[];
  /** The latest clock anchor: run time = atMs + (real now − realMs) × speed. */
  clockAnchor: { atMs: number; realMs: number; speed: number };
  /** While a rehearsal's clock runs at real time because a person owes something: who and what. */
  clockWaitingFor?: string;
  lastSeq: number;
  lastHash: string;
  lastAtMs: number;
}

const FINISHED: ReadonlySet<StepStatus> = new Set(['succeeded', 'skipped', 'abandoned']);

/** Whether a step no longer blocks anything that depends on it. */
export const isDone = (s: StepState | undefined): boolean =>
  s !== undefined && (s.status === 'succeeded' || s.status === 'skipped');

/** Whether a step is over, one way or another. */
export const isFinished = (s: StepState | undefined): boolean => s !== undefined && FINISHED.has(s.status);

/**
 * How many times a done step (succeeded or skipped) was made not done again in a state built by
 * `initialState`/`applyEvent` (a retry, a person marking it failed); undefined for any other state object. The
 * scheduler keeps a frontier only for a state where it is defined: every change to its steps goes through
 * `applyEvent` (or `withSuccesses`), which note it (`step-changes.ts`).
 */
const reopenedSteps = new WeakMap<RunState, number>();

export const stepsReopened = (state: RunState): number | undefined => reopenedSteps.get(state);

export const stepOf = (state: RunState, id: string): StepState =>
  state.steps[id] ?? { status: 'pending', attempt: 0, starts: 0 };

/**
 * The step of an event, made pending if nothing happened to it yet. `known` is the step as `applyEvent` read
 * it already (one lookup in a record of every step of the run per event, not two).
 */
function step(state: RunState, id: string, known: StepState | undefined): StepState {
  let s = known;
  if (s === undefined) {
    s = { status: 'pending', attempt: 0, starts: 0 };
    state.steps[id] = s;
  }
  return s;
}

/**
 * Removes an optional field of a step, when it has one. Checked first because deleting a property an object
 * does not have still costs a runtime call, and every start and end of every step would pay it.
 */
function drop(s: StepState, key: 'retryAtMs' | 'hold' | 'error'): void {
  if (key in s) delete s[key];
}

function finish(s: StepState, status: StepStatus, atMs: number, by: Actor, completion: Completion): void {
  s.status = status;
  s.endedAtMs = atMs;
  s.by = by;
  s.completion = completion;
  drop(s, 'retryAtMs');
  drop(s, 'hold');
}

/** Marks every step that is still in flight as abandoned (the run ended or turned to rollback). */
function abandonOpen(state: RunState, atMs: number, ids?: ReadonlySet<string>): void {
  // `for…in`, not `Object.entries`: no array per step of a 10,000-step run (the steps are a plain record).
  for (const id in state.steps) {
    if (ids && !ids.has(id)) continue;
    const s = state.steps[id]!;
    if (s.status === 'running' || s.status === 'waiting' || s.status === 'retrying' || s.status === 'held') {
      finish(s, 'abandoned', atMs, 'system', 'abandoned');
    }
  }
}

/**
 * Applies one event to a state, in place. Used by `foldRun` and by executors that keep a live state; the
 * live state must always equal the fold of the journal, which the simulation tests check.
 */
export function applyEvent(state: RunState, event: RunEvent): void {
  const { data } = event;
  const stepId = 'stepId' in data ? data.stepId : data.type === 'gate.decided' ? data.gateId : undefined;
  // `apply` changes a step in place (it never replaces one): the object read before is the one after.
  const before = stepId === undefined ? undefined : state.steps[stepId];
  const wasDone = isDone(before);
  apply(state, event, before);
  // For whoever watches the steps (the scheduler's frontier): every change that can make a step done, not
  // done, or one a pass acts on. Not a start of a step that was not done (half of all events): a running step
  // is none of these, and is dropped from the frontier when met (nor an abandon: not done either way).
  if (stepId !== undefined && (data.type !== 'step.started' || wasDone)) {
    noteStepChange(state, stepId, isDone(before ?? state.steps[stepId]));
  }
  if (wasDone && !isDone(before)) {
    const n = reopenedSteps.get(state);
    if (n !== undefined) reopenedSteps.set(state, n + 1);
  }
}

function apply(state: RunState, event: RunEvent, known: StepState | undefined): void {
  const { data, atMs, actor } = event;
  state.lastSeq = event.seq;
  state.lastHash = event.hash;
  state.lastAtMs = atMs;
  switch (data.type) {
    case 'run.started':
      break;
    case 'executor.started':
      state.clockAnchor = { atMs, realMs: data.realMs, speed: data.speed };
      delete state.clockWaitingFor;
      break;
    case 'clock.paced':
      state.clockAnchor = { atMs, realMs: data.realMs, speed: data.speed };
      if (data.waitingFor === undefined) delete state.clockWaitingFor;
      else state.clockWaitingFor = data.waitingFor;
      break;
    case 'lease.taken-over':
      state.takeOvers.push({ atMs, by: data.holder, from: data.from, epoch: data.epoch });
      break;
    case 'append.rejected':
      state.rejectedWrites.push({
        atMs,
        holder: data.holder,
        epoch: data.epoch,
        refused: data.refused.map(refusedWhat),
      });
      break;
    case 'step.waiting': {
      const s = step(state, data.stepId, known);
      s.status = 'waiting';
      s.startedAtMs ??= atMs;
      s.firstStartedAtMs ??= atMs;
      break;
    }
    case 'step.started': {
      const s = step(state, data.stepId, known);
      s.status = 'running';
      s.attempt = data.attempt;
      s.starts += 1;
      s.startedAtMs = atMs;
      s.firstStartedAtMs ??= atMs;
      drop(s, 'retryAtMs');
      drop(s, 'hold');
      drop(s, 'error');
      break;
    }
    case 'step.succeeded': {
      const s = step(state, data.stepId, known);
      finish(s, 'succeeded', atMs, actor, 'normal');
      s.summary = data.summary;
      if (data.output !== undefined) s.output = data.output;
      break;
    }
    case 'step.failed': {
      const s = step(state, data.stepId, known);
      s.error = data.error;
      s.endedAtMs = atMs;
      if (data.retryAtMs !== undefined) {
        s.status = 'retrying';
        s.retryAtMs = data.retryAtMs;
      } else {
        s.status = 'held';
        s.hold = 'failed';
      }
      break;
    }
    case 'step.interrupted': {
      const s = step(state, data.stepId, known);
      if (data.takenOver) {
        const t = data.takenOver;
        state.takeOvers.push({ atMs, by: t.by, from: t.from, epoch: t.fromEpoch, stepId: data.stepId });
      }
      if (data.rerun) {
        s.status = 'retrying';
        s.retryAtMs = atMs;
      } else {
        s.status = 'held';
        s.hold = 'outcome-unknown';
      }
      break;
    }
    case 'step.completed': {
      const s = step(state, data.stepId, known);
      finish(s, 'succeeded', atMs, actor, actor === 'auto' ? 'auto' : 'normal');
      s.summary = data.reason ?? `completed by ${actor}`;
      if (data.reason !== undefined) s.reason = data.reason;
      break;
    }
    case 'step.marked-failed': {
      const s = step(state, data.stepId, known);
      s.status = 'held';
      s.hold = 'failed';
      s.by = actor;
      s.endedAtMs = atMs;
      s.error = { code: 'MARKED_FAILED', message: data.reason ?? `marked failed by ${actor}` };
      drop(s, 'retryAtMs');
      break;
    }
    case 'step.skipped': {
      const s = step(state, data.stepId, known);
      finish(s, 'skipped', atMs, actor, 'skipped');
      s.reason = data.reason;
      break;
    }
    case 'step.retried': {
      const s = step(state, data.stepId, known);
      s.status = 'retrying';
      s.retryAtMs = atMs;
      s.by = actor;
      drop(s, 'hold');
      break;
    }
    case 'gate.voted': {
      const g = (state.gates[data.gateId] ??= { votes: [] });
      const earlier = g.votes.findIndex((v) => v.by === actor);
      const vote: VoteRecord = {
        by: actor,
        vote: data.vote,
        ...(data.reason === undefined ? {} : { reason: data.reason }),
        atMs,
        ...(earlier >= 0 ? { changedFrom: g.votes[earlier]!.vote } : {}),
      };
      if (earlier >= 0) g.votes.splice(earlier, 1);
      g.votes.push(vote);
      break;
    }
    case 'gate.decided': {
      const g = (state.gates[data.gateId] ??= { votes: [] });
      g.outcome = data.outcome;
      g.basis = data.basis;
      const s = step(state, data.gateId, known);
      if (data.outcome === 'go') {
        finish(s, 'succeeded', atMs, actor, data.basis === 'votes' ? 'normal' : 'auto');
      } else finish(s, 'abandoned', atMs, actor, 'abandoned');
      s.summary = `${data.outcome} (${data.basis})${data.note ? `: ${data.note}` : ''}`;
      break;
    }
    case 'check.recorded': {
      const c: CheckState = { ok: data.ok, summary: data.summary, by: actor, atMs, signed: false };
      if (data.evidence !== undefined) c.evidence = data.evidence;
      state.checks[data.itemId] = c;
      break;
    }
    case 'check.signed':
      state.checks[data.itemId] = {
        ok: true,
        summary: data.note ?? `signed off by ${actor}`,
        by: actor,
        atMs,
        signed: true,
      };
      break;
    case 'run.paused':
      if (state.status === 'running') {
        state.status = 'paused';
        state.pause = { by: actor, atMs, ...(data.reason === undefined ? {} : { reason: data.reason }) };
      }
      break;
    case 'run.unpaused':
      if (state.status === 'paused') state.status = 'running';
      delete state.pause;
      break;
    case 'run.rebaselined':
      state.goLiveMs = data.goLiveMs;
      state.goLiveHistory.push(data.goLiveMs);
      break;
    case 'phase.pulled':
      if (!state.pulledPhases.includes(data.phaseId)) state.pulledPhases.push(data.phaseId);
      break;
    case 'criterion.fired':
      state.firedCriteria[data.criterionId] ??= { atMs, detail: data.detail };
      break;
    case 'rollback.started': {
      const rb: NonNullable<RunState['rollback']> = { startedAtMs: atMs, by: actor, reason: data.reason };
      if (data.criterionId !== undefined) rb.criterionId = data.criterionId;
      state.rollback = rb;
      // Forward work stops: whatever was in flight is abandoned, the rollback steps take over.
      const forward = new Set(Object.keys(state.steps).filter((id) => !state.rollbackSteps.includes(id)));
      abandonOpen(state, atMs, forward);
      break;
    }
    case 'run.ended':
      state.status = 'ended';
      state.outcome = data.outcome;
      state.endedAtMs = atMs;
      if (data.reason !== undefined) state.endReason = data.reason;
      abandonOpen(state, atMs);
      break;
  }
}

/** One refused write in a few words: its type and the step, gate or check it was about. */
export function refusedWhat(d: RunEventData): string {
  const about = 'stepId' in d ? d.stepId : 'gateId' in d ? d.gateId : 'itemId' in d ? d.itemId : undefined;
  return about === undefined ? d.type : `${d.type} ${about}`;
}

/** The state right after `run.started`, before anything else happened. */
export function initialState(first: RunEvent): RunState {
  if (first.data.type !== 'run.started') {
    throw new Error(`a run's journal starts with run.started, not ${first.data.type}`);
  }
  const d = first.data;
  const state: RunState = {
    runId: first.runId,
    planName: d.planName,
    planTitle: d.planTitle,
    planText: d.planText,
    planPath: d.planPath,
    mode: d.mode,
    dryRun: d.dryRun,
    autoApprove: d.autoApprove,
    comms: d.comms,
    speed: d.speed,
    rollbackSteps: d.rollbackSteps,
    ...(d.planHash !== undefined ? { planHash: d.planHash } : {}),
    ...(d.rehearsal !== undefined ? { rehearsal: d.rehearsal } : {}),
    startedAtMs: first.atMs,
    goLiveMs: d.goLiveMs,
    goLiveHistory: [d.goLiveMs],
    status: 'running',
    steps: {},
    gates: {},
    checks: {},
    pulledPhases: [],
    firedCriteria: {},
    takeOvers: [],
    rejectedWrites: [],
    clockAnchor: { atMs: first.atMs, realMs: first.atMs, speed: 1 },
    lastSeq: 0,
    lastHash: GENESIS_HASH,
    lastAtMs: first.atMs,
  };
  reopenedSteps.set(state, 0);
  return state;
}

/**
 * A copy of a state, sharing nothing with it, that folds on (`applyEvent`) exactly as the original would:
 * for handing a folded state to a new owner (a session's to its executor) without folding the journal again.
 */
export function copyState(state: RunState): RunState {
  const copy = structuredClone(state);
  const reopened = reopenedSteps.get(state);
  if (reopened !== undefined) reopenedSteps.set(copy, reopened);
  return copy;
}

/**
 * The state of a run: a pure fold of its journal.
 *
 * @example const state = foldRun(await session.events());
 */
export function foldRun(events: readonly RunEvent[]): RunState {
  const first = events[0];
  if (first === undefined) throw new Error('cannot fold an empty journal');
  const state = initialState(first);
  for (const e of events) applyEvent(state, e);
  return state;
}
