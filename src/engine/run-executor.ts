import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ActionCall, Plan } from '../core/plan/plan.js';
import type {
  Actor,
  NewRunEvent,
  RunEvent,
  RunEventData,
  RunEventType,
  RunOutcome,
} from '../core/run/run-event.js';
import { SYSTEM } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { applyEvent, foldRun, stepOf } from '../core/run/run-state.js';
import { withSuccesses } from '../core/run/tentative-state.js';
import { taskById } from '../core/plan/plan-index.js';
import { TminusError } from '../core/tminus-error.js';
import { hasStepClaims } from '../store/store.js';
import type {
  AppendFence,
  LeaseGrant,
  RevokedStepClaim,
  RunStore,
  StepClaimRow,
  StepClaims,
} from '../store/store.js';
import type { LeaseOptions } from './run-lease.js';
import { acquireRunLease, keepRunLease } from './run-lease.js';
import type { Redactor } from './redactor.js';
import type { ActionLookup } from './run-action.js';
import { requireActions, runAction } from './run-action.js';
import type { Decisions } from './scheduler.js';
import { decide } from './scheduler.js';
import { appendDecided } from './append-decided.js';
import { assertSameDecision } from './same-decision.js';
import { runReadinessCheck } from './readiness-check.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { applyWatchEvent, foldWatch } from '../core/go-live/watch-state.js';
import { MonitorWatch } from './monitor-watch.js';
import { WatchClockSource } from './watch-clock.js';
import { readPlanHistory } from './run-history.js';
import { buildDurationModels } from '../core/schedule/duration-model.js';
import { WatchAnnouncer } from './watch-announcer.js';
import type { SecretSources } from './secret-resolver.js';
import { ScaledClock } from './scaled-clock.js';
import { clockHolds, describeHolds } from './who-owes-what.js';
import type { StepOutcome } from './step-execution.js';
import { executeStep, rollbackStepOf } from './step-execution.js';

export interface ExecutorOptions {
  readonly store: RunStore;
  readonly runId: string;
  readonly plan: Plan;
  readonly actions: ActionLookup;
  readonly clock: Clock;
  readonly redactor: Redactor;
  readonly secrets: SecretSources;
  readonly logger: Logger;
  /**
   * How often to look for events other processes appended, in run-clock milliseconds at the run's speed (a
   * rehearsal clock held at real time looks just as often in real time).
   */
  readonly pollMs: number;
  /**
   * The clock action timeouts are measured on (default: `clock`). A sped-up rehearsal passes the real clock:
   * a command does not run faster because the timeline is compressed.
   */
  readonly timeoutClock?: Clock;
  /** Without a lease the caller guarantees it is the only executor (tests, simulations). */
  readonly lease?: LeaseOptions;
  /** Real-time anchor written at start so other processes can tell the run's time. */
  readonly clockAnchor?: { readonly realMs: number; readonly speed: number };
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * Tests and simulations: whenever the loop would reuse the decision made with its last append (see
   * `#decidedAt`), decide again as well and fail the run (`INTERNAL`) if the two differ — so an input to the
   * scheduler that changes without an event cannot slip past that shortcut unnoticed.
   */
  readonly checkReusedDecisions?: boolean;
  /**
   * Where started steps execute: here, in this process (default), or — on a store with step claims, driven
   * by a worker that claims steps too — offered to whichever worker claims each (see `StepClaims`).
   */
  readonly stepClaims?: {
    readonly store: StepClaims;
    /** Real milliseconds between looks for step claims whose worker stopped renewing them. */
    readonly checkEveryMs: number;
    /** Called once steps were offered (wakes this process's own claiming loop). */
    readonly offered?: () => void;
  };
}

const noWake = () => undefined;

/** A controller shared by every step executing at once (no warning past ten listeners on its signal). */
function stepsController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
/**
 * Why a sleep's timer is cancelled. Made once: aborting without a reason builds a `DOMException` with a stack
 * every time, and the loop sleeps and is woken about once per recorded result.
 */
const SLEEP_OVER = new Error('the executor woke up');

/** Events after which someone may owe something new, or no longer (the pace is checked in the same append). */
const MAY_CHANGE_HOLDS: ReadonlySet<RunEventType> = new Set<RunEventType>([
  'executor.started',
  'step.waiting',
  'step.failed',
  'step.interrupted',
  'step.completed',
  'step.marked-failed',
  'step.skipped',
  'step.retried',
  'gate.voted',
  'gate.decided',
  'check.recorded',
  'check.signed',
  'run.paused',
  'run.unpaused',
  'rollback.started',
]);

/**
 * What the scheduler decided on the state an append of this executor left, already acted on (its starts
 * were in that append): see `#recordResults`. Good while the journal still ends at `seq` and the time is
 * before `wakeAtMs`.
 */
interface DecidedAt {
  readonly seq: number;
  readonly checks: readonly string[];
  readonly wakeAtMs: number | undefined;
}

/** The decision the loop takes when the one made with the last append still stands: nothing to do. */
const NOTHING: readonly never[] = [];

/** Of the steps decided to start, those that still can, with the attempt each starts. */
function startable(state: RunState, ids: readonly string[]): { id: string; attempt: number }[] {
  const launched: { id: string; attempt: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const s = stepOf(state, id);
    if (s.status === 'pending' || s.status === 'retrying') launched.push({ id, attempt: s.attempt + 1 });
  }
  return launched;
}

/** `events` followed by a `step.started` for each of `launched`. */
function withStarts(
  events: readonly { actor: Actor; data: RunEventData }[],
  launched: readonly { id: string; attempt: number }[],
): { actor: Actor; data: RunEventData }[] {
  const out = events.slice();
  for (let i = 0; i < launched.length; i++) {
    const { id, attempt } = launched[i]!;
    out.push({ actor: SYSTEM, data: { type: 'step.started', stepId: id, attempt } });
  }
  return out;
}

/** A finished action waiting to be recorded. */
interface StepResult {
  readonly id: string;
  readonly attempt: number;
  readonly data: RunEventData;
}

/**
 * Drives one run: reads the journal, decides (see `decide`), appends, starts actions, and sleeps until
 * something is due or someone else appends. Everything it knows is in the store, so dropping it at any
 * instant and building a new one resumes the run; steps caught running are re-run only when idempotent.
 */
export class RunExecutor {
  readonly #o: ExecutorOptions;
  #state: RunState;
  #dead = false;
  /** Why the executor stopped when another holder took the run over (its late results are recorded as rejected). */
  #lost: TminusError | undefined;
  /** Every append is conditional on this (the run's lease at its epoch) when the executor holds a lease. */
  #fence: AppendFence | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  /**
   * The signal of every step executing here. Steps are only ever aborted all together (the executor stops,
   * the run ends), so they share one controller, replaced after each abort: one per step made an
   * `AbortController` and its signal for each of 10,000 no-op steps.
   */
  #steps = stepsController();
  readonly #checking = new Set<string>();
  readonly #results: StepResult[] = [];
  /** A write of results that has not yet taken its batch: results finishing meanwhile ride along with it. */
  #recordQueued: Promise<void> | undefined;
  #wakeSleeper: () => void = noWake;
  /** Set when something happened while the loop was not sleeping, so the next sleep returns at once. */
  #woken = false;
  /** While the loop sleeps: the time it wakes at by itself (undefined while it runs). */
  #sleepingUntil: number | undefined;
  /**
   * The state is the journal as of this executor's own last append and no hint or poll came since: the next
   * turn of the loop need not read (a dispatch is then one round trip). Should another process have appended
   * unannounced meanwhile, the next append, conditional on the journal's end, fails and reads.
   */
  #upToDate = false;
  /** Hints received (`poke`): an append that started before one does not make the state up to date. */
  #pokes = 0;
  /** The decision made with this executor's last append of results, when it still stands (`#decidedAt`). */
  #decided: DecidedAt | undefined;
  /**
   * Whether the scheduler's decisions can change with the time and the state of a step that merely started
   * (a `window-exceeded` criterion reads the live forecast, which follows running steps): then the loop
   * always decides again, and a decision made with an append is not reused.
   */
  readonly #forecastJudged: boolean;
  readonly #stop = new AbortController();
  /** Real time of the next look at this run's step claims (when steps execute on claiming workers). */
  #nextClaimCheck = 0;
  /** The go-live watch folded from the same journal (measurements, decisions, PONR, success). */
  readonly #watch: WatchState;
  readonly #monitors: MonitorWatch;
  readonly #announcer: WatchAnnouncer;
  /** The live forecast the watch judges `window-exceeded` on. */
  readonly #clock: WatchClockSource;

  private constructor(
    options: ExecutorOptions,
    state: RunState,
    journal: readonly RunEvent[],
    watch: WatchState = foldWatch(options.plan, journal),
  ) {
    this.#o = options;
    this.#state = state;
    this.#forecastJudged =
      options.plan.window !== undefined &&
      options.plan.rollback.criteria.some((c) => c.when === 'window-exceeded');
    this.#watch = watch;
    this.#monitors = new MonitorWatch({
      plan: options.plan,
      run: (call, m) => runAction(this.#actionInput(call, m.id, m.title, this.#stop.signal, 1)),
      record: async (make) =>
        (await this.#mutate(() => make()?.map((data) => ({ actor: SYSTEM, data })))) !== undefined,
      watch: () => this.#watch,
      wake: () => this.#wake(),
      logger: options.logger,
    });
    this.#clock = new WatchClockSource(options.plan);
    this.#announcer = new WatchAnnouncer({
      plan: options.plan,
      run: (call, id, title) => runAction(this.#actionInput(call, id, title, this.#stop.signal, 1)),
      record: async (make) =>
        (await this.#mutate(() => make()?.map((data) => ({ actor: SYSTEM, data })))) !== undefined,
      logger: options.logger,
    });
    for (const e of journal) this.#announcer.seen(e);
  }

  /** The live state (equal to the fold of the journal at all times). */
  get state(): RunState {
    return this.#state;
  }

  /** Creates a run and its executor. Refuses a plan using actions this build does not have. */
  static async create(
    options: ExecutorOptions,
    started: Extract<RunEventData, { type: 'run.started' }>,
    atMs: number,
  ): Promise<RunExecutor> {
    if (!started.dryRun) requireActions(options.plan, options.actions);
    const events = await options.store.createRun(options.runId, [{ atMs, actor: SYSTEM, data: started }]);
    return new RunExecutor(options, foldRun(events), events);
  }

  /**
   * Opens an existing run from its journal (or from events the caller has just read from it). `folded` is
   * the run state and watch already folded from exactly those events, given to the executor to keep (it
   * folds on from them): a caller that has them saves folding a long journal again.
   */
  static async open(
    options: ExecutorOptions,
    journal?: readonly RunEvent[],
    folded?: { readonly state: RunState; readonly watch: WatchState },
  ): Promise<RunExecutor> {
    const events = journal ?? (await options.store.readEvents(options.runId));
    if (events.length === 0) throw new TminusError('RUN_NOT_FOUND', `no run ${options.runId} in this store`);
    const state = folded?.state ?? foldRun(events);
    if (!state.dryRun) requireActions(options.plan, options.actions);
    return new RunExecutor(options, state, events, folded?.watch);
  }

  /** Stops at once without writing anything more: what a SIGKILL does (used by tests). */
  crash(): void {
    this.#dead = true;
    this.#stop.abort(new TminusError('ABORTED', 'executor stopped'));
    this.#abortSteps(new TminusError('ABORTED', 'executor stopped'));
    this.#wake();
  }

  /** Lets the executor notice new events now rather than at the next poll. */
  poke(): void {
    this.#pokes++;
    this.#upToDate = false;
    this.#wake();
  }

  /** Runs until the run ends; returns its outcome. */
  async run(): Promise<RunOutcome> {
    const held = await this.#refuseLiveStepClaims();
    const grant = this.#o.lease
      ? await acquireRunLease(this.#o.store, this.#o.runId, this.#o.lease)
      : undefined;
    if (this.#o.lease && grant) this.#fence = { holderId: this.#o.lease.holder.id, epoch: grant.epoch };
    const renew = this.#o.lease
      ? keepRunLease(
          this.#o.store,
          this.#o.runId,
          this.#o.lease,
          this.#stop.signal,
          () =>
            this.#loseLease(
              new TminusError('LEASE_LOST', `run ${this.#o.runId} was taken over by another process`),
            ),
          this.#o.logger,
        )
      : Promise.resolve();
    let storeDown = false;
    try {
      await this.#recover(grant, this.#o.stepClaims ? await this.#openClaims() : undefined, held);
      await this.#learnDurations();
      for (;;) {
        if (this.#dead) throw this.#lost ?? new TminusError('ABORTED', 'executor stopped');
        try {
          if (this.#upToDate) this.#upToDate = false;
          else await this.#sync();
          if (this.#results.length > 0) await this.#recordResults();
          await this.#settleClaims();
        } catch (error) {
          if (error instanceof TminusError) throw error;
          // The store is unreachable (a restart, a network cut): keep trying. Fencing makes this safe: if
          // another worker takes the run over meanwhile, nothing this one writes afterwards is applied.
          if (!storeDown) this.#o.logger.warn(`the store is unreachable, retrying: ${String(error)}`);
          storeDown = true;
          await this.#sleepUntil(undefined);
          continue;
        }
        if (storeDown) this.#o.logger.info('the store is reachable again');
        storeDown = false;
        if (this.#state.status === 'ended') break;
        // Someone else's vote, sign-off or command may have changed who owes what: pace the clock first.
        if (this.#paceAfter(this.#state, [], 0) && (await this.#mutate(() => []))) continue;
        const now = this.#o.clock.now();
        const decidedAt = this.#state.lastSeq;
        const reused = this.#decidedAt(now);
        const d =
          reused !== undefined && this.#o.checkReusedDecisions !== true
            ? reused
            : decide(this.#o.plan, this.#state, now, {
                concurrency: this.#o.plan.concurrency,
                watch: { state: this.#watch, clock: this.#clock.at(this.#state, now) },
              });
        if (reused !== undefined && d !== reused) assertSameDecision(reused, d, this.#state.lastSeq);
        if (d.events.length > 0) {
          // The end is the run's last event: what led to it is announced (and recorded) first.
          if (this.#announcer.busy && d.events.some((e) => e.data.type === 'run.ended')) {
            await this.#announcer.flush();
            continue;
          }
          await this.#append(d.events.map((e) => ({ atMs: now, actor: e.actor, data: e.data })));
          continue;
        }
        for (const id of d.checks) if (!this.#checking.has(id)) this.#check(id);
        if (d.starts.length > 0) {
          await this.#start(d.starts, decidedAt);
          continue;
        }
        this.#announcer.tick();
        const measureAt = this.#monitors.tick(this.#state, now);
        await this.#sleepUntil(Math.min(d.wakeAtMs ?? Infinity, measureAt ?? Infinity));
      }
      this.#abortSteps(new TminusError('ABORTED', 'the run ended'));
      return this.#state.outcome ?? 'aborted';
    } finally {
      this.#stop.abort();
      await renew;
      if (this.#o.lease && !this.#dead) {
        await this.#o.store.releaseLease(this.#o.runId, this.#o.lease.holder.id);
      }
    }
  }

  /**
   * The decision made with this executor's last append of results, when nothing can have changed it since:
   * the journal still ends with that append (nobody else appended, no person's command, no pause, no
   * criterion fired or measurement recorded: each would be an event after it) and no time-bound decision
   * has come due. That append held exactly the successes the scheduler decided on plus the starts it
   * decided (see `#recordResults`), and a started step only becomes `running`, which the scheduler passes
   * over; so deciding again would give the same starts (now running: none), events (none) and wake time.
   */
  #decidedAt(now: number): Decisions | undefined {
    const d = this.#decided;
    if (d === undefined || d.seq !== this.#state.lastSeq || now >= (d.wakeAtMs ?? Infinity)) return undefined;
    return { events: NOTHING, starts: NOTHING, checks: d.checks, wakeAtMs: d.wakeAtMs };
  }

  /** The forecast learns task durations from earlier runs of the plan in this store (estimates otherwise). */
  async #learnDurations(): Promise<void> {
    if (!this.#o.plan.rollback.criteria.some((c) => c.when === 'window-exceeded')) return;
    try {
      const history = await readPlanHistory([this.#o.store], this.#o.plan, { excludeRunId: this.#o.runId });
      this.#clock.learn(buildDurationModels(this.#o.plan, history.observed));
    } catch (e) {
      this.#o.logger.warn('could not read earlier runs for the forecast; using the estimates', {
        error: String(e),
      });
    }
  }

  /** Stops because another holder has the run: in-flight results are then recorded as rejected. */
  #loseLease(error: TminusError): void {
    if (this.#dead) return;
    this.#o.logger.error(`${error.message}; stopping`);
    this.#lost = error;
    this.crash();
  }

  /**
   * After a crash or a take-over: say who took over from whom, anchor the clock again, and settle steps
   * that were running (idempotent ones run again, others are held for a person).
   */
  async #recover(
    grant: LeaseGrant | undefined,
    claims: ReadonlySet<string> | undefined,
    held: readonly StepClaimRow[],
  ): Promise<void> {
    // A rehearsal's time stood still since its last event (no executor drove it): it runs from here.
    this.#pacedClock()?.restartAt(this.#state.lastAtMs);
    const { revoked, withdrawn } = await this.#takeBackClaims(held);
    await this.#mutate((state, atMs) => {
      const events: RunEventData[] = [];
      const replaced = grant?.replaced;
      if (replaced && this.#o.lease && state.status !== 'ended') {
        events.push({
          type: 'lease.taken-over',
          holder: this.#o.lease.holder.id,
          epoch: grant.epoch,
          from: replaced.holder.id,
          fromEpoch: replaced.epoch,
          expiredAtMs: replaced.expiresAtMs,
        });
      }
      const paced = this.#pacedClock();
      if (paced) {
        // The anchor is exact (the real time of this event's run time), so every process reads the same time.
        events.push({
          type: 'executor.started',
          holder: this.#o.lease?.holder.id ?? 'in-process',
          realMs: paced.realAt(atMs),
          speed: state.speed,
        });
      } else if (this.#o.clockAnchor) {
        // A rehearsal's clock: the real time of this event's run time, not of the moment the clock was made
        // (a lease, a read of the claims later), else processes reading the anchor run ahead of this one.
        const clock = this.#o.clock;
        events.push({
          type: 'executor.started',
          holder: this.#o.lease?.holder.id ?? 'in-process',
          realMs: clock instanceof ScaledClock ? clock.realAt(atMs) : this.#o.clockAnchor.realMs,
          speed: this.#o.clockAnchor.speed,
        });
      }
      for (const [id, s] of Object.entries(state.steps)) {
        // A step offered to the workers is theirs: it is done, executing, or taken over once its claim runs out.
        if (s.status === 'running' && !claims?.has(`${id}#${s.attempt}`)) {
          const from = revoked.get(`${id}#${s.attempt}`);
          events.push({
            type: 'step.interrupted',
            stepId: id,
            attempt: s.attempt,
            rerun: withdrawn.has(`${id}#${s.attempt}`) || this.#idempotent(id),
            ...(from
              ? {
                  takenOver: {
                    by: this.#o.lease?.holder.id ?? 'in-process',
                    from: from.holder.id,
                    fromEpoch: from.epoch,
                    expiredAtMs: from.expiresAtMs,
                  },
                }
              : {}),
          });
        }
      }
      return events.map((data) => ({ actor: SYSTEM, data }));
    });
  }

  #idempotent(id: string): boolean {
    const task = taskById(this.#o.plan, id);
    if (task?.kind === 'wait') return true; // a wait only watches
    if (this.#state.dryRun) return true; // a dry run only described the step: describing it again is safe
    const step = rollbackStepOf(this.#o.plan, id);
    const declared = task?.idempotent ?? step?.idempotent;
    if (declared !== undefined) return declared;
    const call =
      task?.call ??
      step?.call ??
      (step?.inverseOf !== undefined ? taskById(this.#o.plan, step.inverseOf)?.call : undefined);
    return (call && this.#o.actions.get(call.action)?.idempotent) ?? false;
  }

  async #sync(): Promise<void> {
    const fresh = await this.#o.store.readEvents(this.#o.runId, this.#state.lastSeq);
    this.#applyAll(fresh);
  }

  /** Applies the events that follow the state, each exactly once and in order (two syncs may overlap). */
  #applyAll(events: readonly RunEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.seq === this.#state.lastSeq + 1) this.#applied(e);
    }
  }

  #applied(e: RunEvent): void {
    if (e.data.type === 'lease.taken-over' && e.data.from === this.#fence?.holderId) {
      // Another worker took the run over while this one was stalled: stop before doing anything more.
      this.#loseLease(
        new TminusError('LEASE_LOST', `run ${this.#o.runId} was taken over by ${e.data.holder}`),
      );
    }
    applyEvent(this.#state, e);
    applyWatchEvent(this.#o.plan, this.#watch, e);
    if (e.data.type === 'executor.started' || e.data.type === 'clock.paced') {
      this.#pacedClock()?.setAnchor(this.#state.clockAnchor);
    }
    this.#announcer.seen(e);
    this.#o.onEvent?.(e);
  }

  /** A compressed (or stretched) rehearsal's clock, which knows the real time of any run time. */
  #scaledClock(): ScaledClock | undefined {
    const clock = this.#o.clock;
    return clock instanceof ScaledClock && this.#state.mode !== 'live' && this.#state.speed !== 1
      ? clock
      : undefined;
  }

  /** A compressed rehearsal's clock, which this executor paces (see `clockHolds`); undefined otherwise. */
  #pacedClock(): ScaledClock | undefined {
    return this.#state.speed > 1 ? this.#scaledClock() : undefined;
  }

  /**
   * The rule of a compressed rehearsal: its clock runs at the run's speed while nobody owes anything and at
   * real time while a person owes a vote, a sign-off, a manual task or a decision (so people have the
   * plan's real time before a deadline). Returns the `clock.paced` event due once `made` is applied to
   * `state` at `atMs`, if the pace or what it waits for changes.
   */
  #paceAfter(
    state: RunState,
    made: readonly { actor: Actor; data: RunEventData }[],
    atMs: number,
  ): RunEventData | undefined {
    const clock = this.#pacedClock();
    if (!clock) return undefined;
    let after = state;
    if (made.length > 0) {
      if (!made.some((e) => MAY_CHANGE_HOLDS.has(e.data.type))) return undefined;
      after = structuredClone(state);
      let seq = state.lastSeq;
      for (const e of made) {
        applyEvent(after, { runId: state.runId, seq: ++seq, atMs, ...e, prevHash: '', hash: '' });
      }
    }
    if (after.status === 'ended') return undefined;
    const holds = clockHolds(this.#o.plan, after);
    const speed = holds.length > 0 ? 1 : after.speed;
    const waitingFor = holds.length > 0 ? describeHolds(holds) : undefined;
    if (speed === after.clockAnchor.speed && waitingFor === after.clockWaitingFor) return undefined;
    return {
      type: 'clock.paced',
      realMs: clock.realAt(atMs),
      speed,
      ...(waitingFor === undefined ? {} : { waitingFor }),
    };
  }

  /**
   * Serialises every write of this executor and retries on a conflicting append from another process.
   * Returns the events appended (by the last call of `make`), undefined when nothing was.
   */
  async #mutate(
    make: (state: RunState, atMs: number) => { actor: Actor; data: RunEventData }[] | undefined,
  ): Promise<readonly RunEvent[] | undefined> {
    const job = this.#lock.then(async () => {
      let tries = 0;
      const pokes = this.#pokes;
      const appended = await appendDecided({
        store: this.#o.store,
        runId: this.#o.runId,
        what: 'the executor',
        ...(this.#fence ? { fence: this.#fence } : {}),
        read: async () => {
          if (this.#dead) return undefined;
          // The first try decides on the state as this executor knows it, without reading: the append is
          // conditional on the journal still ending there, and when another process appended first it
          // fails and the next try reads. A lone executor thus reads only in its loop, not on every write.
          if (tries++ > 0) await this.#sync();
          return this.#state;
        },
        decide: (state) => {
          const atMs = this.#o.clock.now();
          const made = make(state, atMs) ?? [];
          // A change of pace goes in the same append as the event that causes it: not a moment compressed.
          const pace = this.#dead ? undefined : this.#paceAfter(state, made, atMs);
          if (pace) made.push({ actor: SYSTEM, data: pace });
          if (made.length === 0 || this.#dead) return undefined;
          // A compressed rehearsal keeps the wall time too: the real moment of this run-clock time.
          const wall = this.#scaledClock();
          const redactor = this.#o.redactor;
          if (!wall) return made.map((e) => ({ atMs, actor: e.actor, data: redactor.redactValue(e.data) }));
          const wallMs = wall.realAt(atMs);
          return made.map((e) => ({
            atMs,
            actor: e.actor,
            data: { ...redactor.redactValue(e.data), wallMs },
          }));
        },
      });
      if (!appended) return undefined;
      this.#applyAll(appended);
      this.#upToDate = this.#pokes === pokes && appended.at(-1)?.seq === this.#state.lastSeq;
      return appended;
    });
    this.#lock = job.catch(() => undefined);
    return job.catch((error: unknown) => {
      if (error instanceof TminusError && error.code === 'LEASE_LOST') this.#loseLease(error);
      throw error;
    });
  }

  async #append(events: readonly NewRunEvent[]): Promise<void> {
    const seq = this.#state.lastSeq;
    // Decided on the state at `seq`: if anything arrived since, drop them and decide again.
    await this.#mutate((state) => (state.lastSeq === seq ? [...events] : undefined));
  }

  /** Starts steps in one transaction, only if nothing was appended since they were decided. */
  async #start(ids: readonly string[], decidedAt: number): Promise<void> {
    let launched: { id: string; attempt: number }[] = [];
    await this.#mutate((state) => {
      launched = [];
      // Anything new (a rebaseline, a pause, a rollback) may change the decision: decide again.
      if (state.lastSeq !== decidedAt || state.status !== 'running') return undefined;
      launched = startable(state, ids);
      return withStarts([], launched);
    });
    if (this.#o.stepClaims) await this.#offer(launched);
    else this.#executeAll(launched);
  }

  /** Executes started steps here (see `#execute`). */
  #executeAll(launched: readonly { id: string; attempt: number }[]): void {
    for (let i = 0; i < launched.length; i++) this.#execute(launched[i]!.id, launched[i]!.attempt);
  }

  /**
   * An executor that runs steps itself (`tminus resume`) on a store where workers claim steps: a running step
   * that a live worker still executes (its step lease not run out) would be settled as after a crash and, if
   * idempotent, run here a second time at once. Refused before the run's lease is taken, naming the step and
   * the worker (wait for it, or stop that worker and resume once its step lease ran out). Returns the other
   * open claims of running steps — offered to the workers and not claimed yet, claimed by a worker whose step
   * lease ran out, or revoked already — for `#takeBackClaims`; none where this does not apply.
   */
  async #refuseLiveStepClaims(): Promise<readonly StepClaimRow[]> {
    const store = this.#o.store;
    if (this.#o.stepClaims || !hasStepClaims(store) || this.#state.status === 'ended') return [];
    const realNow = (this.#o.lease?.clock ?? this.#o.clock).now();
    const held = (await store.openStepClaims(this.#o.runId)).filter((c) => {
      const s = this.#state.steps[c.stepId];
      return s?.status === 'running' && s.attempt === c.attempt;
    });
    const live = held.filter((c) => c.state === 'claimed' && (c.expiresAtMs ?? 0) > realNow);
    if (live.length === 0) return held;
    const one = live.length === 1;
    const what = live
      .map(
        (c) =>
          `'${c.stepId}' (worker ${c.holder?.id ?? 'unknown'}, its step lease for another ${Math.ceil(((c.expiresAtMs ?? 0) - realNow) / 1000)}s)`,
      )
      .join(', ');
    throw new TminusError(
      'RUN_LOCKED',
      `run ${this.#o.runId}: ${one ? 'step' : 'steps'} ${what} ${one ? 'is' : 'are'} being executed by a live worker; ` +
        `resuming here would settle ${one ? 'it' : 'them'} as after a crash and could run ${one ? 'it' : 'them'} a second time at once`,
      {
        hint: 'wait for the worker to finish (tminus status), or stop that worker and resume once its step lease ran out; a worker also takes the run over by itself when its driver died',
      },
    );
  }

  /**
   * An executor that runs steps itself, taking a run over on a store where workers claim steps, takes its
   * running steps back from the workers before settling them: an offer nobody claimed is withdrawn (no worker
   * can claim it afterwards; nobody executed it, so it runs again here, idempotent or not), and a claim whose
   * worker's step lease ran out is revoked (a worker that was only stalled finds its result refused and kept as
   * `append.rejected`, not silently dropped). A worker that claimed or renewed one of them since
   * `#refuseLiveStepClaims` looked is executing it now: refused as there (the run's lease is given back and
   * nothing is written). By `step#attempt`: the revoked claims and the withdrawn offers.
   */
  async #takeBackClaims(held: readonly StepClaimRow[]): Promise<{
    revoked: ReadonlyMap<string, RevokedStepClaim>;
    withdrawn: ReadonlySet<string>;
  }> {
    const store = this.#o.store;
    const revoked = new Map<string, RevokedStepClaim>();
    const withdrawn = new Set<string>();
    if (held.length === 0 || !hasStepClaims(store)) return { revoked, withdrawn };
    const realNow = (this.#o.lease?.clock ?? this.#o.clock).now();
    for (const c of held) {
      const step = { runId: this.#o.runId, stepId: c.stepId, attempt: c.attempt };
      const key = `${c.stepId}#${c.attempt}`;
      if (c.state === 'offered' && (await store.withdrawStepOffer(step))) {
        withdrawn.add(key);
        continue;
      }
      const r = await store.revokeStepClaim(step, realNow);
      if (r) {
        revoked.set(key, r);
        continue;
      }
      const now = (await store.openStepClaims(this.#o.runId)).find(
        (o) => o.stepId === c.stepId && o.attempt === c.attempt,
      );
      // Done meanwhile: its worker recorded the result, which this executor reads before deciding anything.
      if (!now) continue;
      throw new TminusError(
        'RUN_LOCKED',
        `run ${this.#o.runId}: worker ${now.holder?.id ?? 'unknown'} claimed step '${c.stepId}' while this process was taking the run over; ` +
          'resuming here would settle it as after a crash and could run it a second time at once',
        {
          hint: 'wait for the worker to finish (tminus status), or stop that worker and resume once its step lease ran out',
        },
      );
    }
    return { revoked, withdrawn };
  }

  /** The run's open step claims, as `step#attempt`. */
  async #openClaims(): Promise<ReadonlySet<string>> {
    const rows = await this.#o.stepClaims!.store.openStepClaims(this.#o.runId);
    return new Set(rows.map((c) => `${c.stepId}#${c.attempt}`));
  }

  /** Offers started steps to the claiming workers; one that cannot be offered now is offered by `#settleClaims`. */
  async #offer(steps: readonly { id: string; attempt: number }[]): Promise<void> {
    const claims = this.#o.stepClaims;
    if (!claims || steps.length === 0 || !this.#fence) return;
    try {
      const offered = await claims.store.offerSteps(
        this.#o.runId,
        steps.map(({ id, attempt }) => ({ stepId: id, attempt })),
        this.#fence,
      );
      if (offered) claims.offered?.();
      else this.#nextClaimCheck = 0; // the lease is gone: the next look finds out
    } catch (error) {
      this.#nextClaimCheck = 0;
      this.#o.logger.warn('could not offer steps to the workers yet', { error: String(error) });
    }
  }

  /**
   * Steps executing on claiming workers: a claim whose worker stopped renewing it (died, stalled) is taken
   * away and the step settled as after a crash — idempotent steps run again (a new attempt, a new claim),
   * others are held with an unknown outcome; its worker's late result is then refused. A step this
   * executor started but could not offer is offered again (nobody can have executed it).
   */
  async #settleClaims(): Promise<void> {
    const claims = this.#o.stepClaims;
    if (!claims || this.#state.status === 'ended') return;
    const realNow = (this.#o.lease?.clock ?? this.#o.clock).now();
    if (realNow < this.#nextClaimCheck) return;
    this.#nextClaimCheck = realNow + claims.checkEveryMs;
    const running = Object.entries(this.#state.steps).filter(([, s]) => s.status === 'running');
    if (running.length === 0) return;
    const open = new Map(
      (await claims.store.openStepClaims(this.#o.runId)).map((c) => [`${c.stepId}#${c.attempt}`, c]),
    );
    const unoffered: { id: string; attempt: number }[] = [];
    for (const [id, s] of running) {
      const c = open.get(`${id}#${s.attempt}`);
      // Absent: not offered yet, or done (its result is in the journal; offering again changes nothing).
      if (!c) unoffered.push({ id, attempt: s.attempt });
      if (!c || c.state === 'offered' || (c.state === 'claimed' && (c.expiresAtMs ?? 0) > realNow)) continue;
      const attempt = s.attempt;
      const revoked = await claims.store.revokeStepClaim(
        { runId: this.#o.runId, stepId: id, attempt },
        realNow,
      );
      if (!revoked) continue;
      this.#o.logger.warn(`step ${id}: the step lease of ${revoked.holder.id} ran out; taking the step over`);
      await this.#mutate((state) => {
        const now = stepOf(state, id);
        if (now.status !== 'running' || now.attempt !== attempt) return undefined;
        return [
          {
            actor: SYSTEM,
            data: {
              type: 'step.interrupted',
              stepId: id,
              attempt,
              rerun: this.#idempotent(id),
              takenOver: {
                by: this.#o.lease?.holder.id ?? 'in-process',
                from: revoked.holder.id,
                fromEpoch: revoked.epoch,
                expiredAtMs: revoked.expiresAtMs,
              },
            },
          },
        ];
      });
    }
    await this.#offer(unoffered);
  }

  /**
   * Executes a started step here, in this process, and records its result. Without an `async` frame kept
   * on the heap per step while its action runs (see `runAction`).
   */
  #execute(id: string, attempt: number): void {
    void executeStep({
      plan: this.#o.plan,
      state: this.#state,
      actions: this.#o.actions,
      clock: this.#o.clock,
      timeoutClock: this.#o.timeoutClock,
      logger: this.#o.logger,
      redactor: this.#o.redactor,
      secrets: this.#o.secrets,
      signal: this.#steps.signal,
      stepId: id,
      attempt,
    }).then(this.#outcome);
  }

  /** A step's outcome names its step and attempt: one function for every step, not a closure made per step. */
  readonly #outcome = (data: StepOutcome): Promise<void> | undefined =>
    this.#executed(data.stepId, data.attempt, data);

  /** Records a step's result (`executeStep` never rejects), then wakes the loop. */
  #executed(id: string, attempt: number, data: RunEventData): Promise<void> | undefined {
    if (this.#dead) return this.#lost ? this.#recordLate(data) : undefined;
    this.#results.push({ id, attempt, data });
    // A write that has not taken its batch yet takes this result too, and whoever queued it waits on it (wakes
    // the loop, says when it failed): one wait per write, not one per result (a batch holds thousands).
    if (this.#recordQueued) return undefined;
    return this.#recordResults().then(this.#wakeUp, (e: unknown) => {
      // Unrecorded results stay queued: the loop records them when the store answers again.
      if (!(e instanceof TminusError && e.code === 'LEASE_LOST')) {
        this.#o.logger.warn(`could not record the result of '${id}' (and those finished with it) yet`, {
          error: String(e),
        });
      }
      this.#wake();
    });
  }

  /**
   * Wakes the loop after a step's result is recorded, in the next turn of the event loop (made once): woken at
   * once, the loop's turn (a read, a decision) ran between the append's commit and the code waiting on it,
   * delaying the dependents' starts the append already carried (measured: docs/benchmarks.md, dispatch).
   */
  readonly #wakeUp = (): void => {
    if (this.#asleepOnKeptDecision()) return;
    setImmediate(this.#wakeNow);
  };

  /**
   * The loop sleeps, and its turn would change nothing: the decision kept with the last append of results is
   * the state's (`#decidedAt`: no events, no starts), every check it names is running, no result waits, no
   * announcement is pending, no monitor to tick, and it wakes by itself no later than that decision asks.
   * Then the turn is skipped: in a chain it ran inside the next append's round trip, where the process's
   * CPU lengthens the round trip (docs/benchmarks.md, PostgreSQL dispatch). Anything else wakes it as before.
   */
  #asleepOnKeptDecision(): boolean {
    const d = this.#decided;
    const until = this.#sleepingUntil;
    if (d === undefined || until === undefined || this.#dead || d.seq !== this.#state.lastSeq) return false;
    if (this.#results.length > 0 || this.#announcer.busy || this.#o.plan.monitors.length > 0) return false;
    if ((d.wakeAtMs ?? Infinity) < until) return false;
    for (const id of d.checks) if (!this.#checking.has(id)) return false;
    return true;
  }
  readonly #wakeNow = (): void => this.#wake();

  /**
   * A result that finished after the run was taken over: offered to the store with the old fence, which
   * refuses it and keeps it as an `append.rejected` event (the record shows the step did finish here).
   */
  async #recordLate(data: RunEventData): Promise<void> {
    if (!this.#fence) return;
    const event = { atMs: this.#o.clock.now(), actor: SYSTEM, data: this.#o.redactor.redactValue(data) };
    try {
      const r = await this.#o.store.append(this.#o.runId, this.#state.lastSeq, [event], this.#fence);
      if (r.ok || !r.rejected) this.#o.logger.error(`a late result of run ${this.#o.runId} was not refused`);
    } catch (error) {
      this.#o.logger.error('could not record a late result as rejected', { error: String(error) });
    }
  }

  /** Appends every result that finished meanwhile in one transaction (fewer fsyncs under load). */
  async #recordResults(): Promise<void> {
    if (this.#recordQueued) return this.#recordQueued;
    let batch: StepResult[] | undefined;
    let launched: { id: string; attempt: number }[] = [];
    /** The scheduler's tentative pass behind `launched` (of the last try, the one appended). */
    let decided: Decisions | undefined;
    const job = (async () => {
      try {
        const appended = await this.#mutate((state, atMs) => {
          launched = [];
          decided = undefined;
          if (batch === undefined) {
            batch = this.#results.splice(0);
            this.#recordQueued = undefined; // results finishing from now on need a write of their own
          }
          // Abandoned (rollback, abort) or settled by a person meanwhile: such a result no longer applies.
          const results = batch
            .filter((r) => {
              const s = stepOf(state, r.id);
              return s.status === 'running' && s.attempt === r.attempt;
            })
            .map((r) => ({ actor: SYSTEM, data: r.data }));
          const after = this.#startsAfter(state, results, atMs);
          launched = after.launched;
          decided = after.decided;
          return withStarts(results, launched);
        });
        if (appended && decided) this.#keepDecision(appended, decided);
      } catch (error) {
        // A refused (fenced) append was recorded by the store; anything else is tried again later.
        if (batch && !this.#lost) this.#results.unshift(...batch);
        throw error;
      }
      // Taken over while deciding: the results were not offered to the store yet; offer them for the record.
      if (this.#lost && batch) for (const r of batch) await this.#recordLate(r.data);
      else this.#executeAll(launched);
    })();
    this.#recordQueued = job;
    void job
      .finally(() => {
        if (this.#recordQueued === job) this.#recordQueued = undefined;
      })
      .catch(() => undefined);
    return job;
  }

  /**
   * The steps that the scheduler would start right after these results, when it would decide nothing else:
   * their starts go in the same append as the results (one round trip per step of a chain, not two). Only
   * when this process executes its own steps (no step claims to offer) and the run is running.
   */
  #startsAfter(
    state: RunState,
    results: readonly { actor: Actor; data: RunEventData }[],
    atMs: number,
  ): { launched: { id: string; attempt: number }[]; decided?: Decisions } {
    const none = { launched: [] };
    if (results.length === 0 || this.#dead || this.#o.stepClaims || state.status !== 'running') return none;
    let seq = state.lastSeq;
    const events = results.map((e) => ({
      runId: state.runId,
      seq: ++seq,
      atMs,
      ...e,
      prevHash: '',
      hash: '',
    }));
    // Decided on the state as the results leave it, then put back (not a copy of every step of the run).
    const starts = withSuccesses(state, events, (after) => {
      if (after.status !== 'running') return none;
      const d = decide(this.#o.plan, after, atMs, {
        concurrency: this.#o.plan.concurrency,
        watch: { state: this.#watch, clock: this.#clock.at(after, atMs) },
      });
      if (d.events.length > 0) return { launched: [], decided: d };
      return { launched: startable(after, d.starts), decided: d };
    });
    return starts ?? none;
  }

  /**
   * After an append of results and the starts a tentative pass decided on them (`#startsAfter`): keeps its
   * decision for the loop (`#decidedAt`) when the append held nothing else — exactly the successes it looked at and every start it decided, no
   * change of pace — and the decision cannot depend on what a start changes (a rollback's budgets, the
   * live forecast of a `window-exceeded` criterion).
   */
  #keepDecision(appended: readonly RunEvent[], d: Decisions): void {
    const last = appended.at(-1)!;
    if (this.#state.lastSeq < last.seq) return; // not applied yet (cannot happen: applied before resolving)
    if (d.events.length > 0 || this.#forecastJudged || this.#state.rollback || this.#dead) return;
    let starts = 0;
    for (const e of appended) {
      if (e.data.type === 'step.started') starts++;
      else if (e.data.type !== 'step.succeeded') return;
    }
    if (starts !== d.starts.length) return;
    this.#decided = { seq: last.seq, checks: d.checks, wakeAtMs: d.wakeAtMs };
  }

  #actionInput(call: ActionCall, stepId: string, stepTitle: string, signal: AbortSignal, attempt: number) {
    return {
      plan: this.#o.plan,
      call,
      actions: this.#o.actions,
      clock: this.#o.clock,
      ...(this.#o.timeoutClock ? { timeoutClock: this.#o.timeoutClock } : {}),
      logger: this.#o.logger,
      redactor: this.#o.redactor,
      secrets: this.#o.secrets,
      signal,
      attempt,
      dryRun: this.#state.dryRun,
      run: {
        runId: this.#o.runId,
        mode: this.#state.mode,
        comms: this.#state.comms,
        goLiveMs: this.#state.goLiveMs,
        stepId,
        stepTitle,
      },
    };
  }

  #check(itemId: string): void {
    const item = this.#o.plan.checklist.find((c) => c.id === itemId);
    if (!item?.check) return;
    this.#checking.add(itemId);
    const call = item.check;
    void (async () => {
      const data = await runReadinessCheck(this.#actionInput(call, itemId, item.title, this.#stop.signal, 1));
      if (this.#dead) return;
      await this.#mutate((state) => (state.checks[itemId] ? undefined : [{ actor: SYSTEM, data }])).catch(
        (e: unknown) => this.#o.logger.error(`could not record check '${itemId}'`, { error: String(e) }),
      );
      this.#wake();
    })();
  }

  async #sleepUntil(wakeAtMs: number | undefined): Promise<void> {
    const now = this.#o.clock.now();
    const paced = this.#pacedClock();
    const poll = paced ? (this.#o.pollMs * paced.speed) / this.#state.speed : this.#o.pollMs;
    const until = Math.min(wakeAtMs ?? Infinity, now + poll);
    if (until <= now || this.#woken) {
      this.#woken = false;
      return;
    }
    const controller = new AbortController();
    let wokenUp = false;
    const woken = new Promise<void>((resolve) => {
      this.#wakeSleeper = () => {
        // Once: every step that ends wakes the loop, and it is woken already.
        this.#wakeSleeper = noWake;
        wokenUp = true;
        controller.abort(SLEEP_OVER);
        resolve();
      };
    });
    this.#sleepingUntil = until;
    try {
      await Promise.race([this.#o.clock.sleep(until - now, controller.signal).catch(() => undefined), woken]);
      // A poll (or a timer): read what other processes may have appended.
      if (!wokenUp) this.#upToDate = false;
    } finally {
      this.#sleepingUntil = undefined;
      controller.abort(SLEEP_OVER);
      this.#wakeSleeper = noWake;
      this.#woken = false;
    }
  }

  /** Aborts the steps executing now; steps started later get a fresh signal. */
  #abortSteps(reason: TminusError): void {
    this.#steps.abort(reason);
    this.#steps = stepsController();
  }

  #wake(): void {
    this.#woken = true;
    this.#wakeSleeper();
  }
}
