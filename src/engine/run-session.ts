import { dirname } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { Plan } from '../core/plan/plan.js';
import type { PersonCommand } from '../core/run/run-commands.js';
import { decideCommand } from '../core/run/run-commands.js';
import type { Origin, RunEvent, RunEventData } from '../core/run/run-event.js';
import { SYSTEM } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { applyEvent, copyState, foldRun, initialState } from '../core/run/run-state.js';
import { storableDocument, storedPlan } from '../core/plan/stored-plan.js';
import { TminusError } from '../core/tminus-error.js';
import type { ActionCatalog } from '../core/validation/validate-references.js';
import type { WatchCommand } from '../core/go-live/watch-commands.js';
import { decideWatchCommand } from '../core/go-live/watch-commands.js';
import { applyWatchEvent, initialWatch } from '../core/go-live/watch-state.js';
import type { ClaimedStep, LeaseHolder, RunStore, RunSummary } from '../store/store.js';
import { hasStepClaims } from '../store/store.js';
import type { AppendDecidedInput } from './append-decided.js';
import { appendDecided } from './append-decided.js';
import { fireCriterion } from './fire-criterion.js';
import { liveExecutor } from './lease-liveness.js';
import type { CheckRecorded } from './readiness-check.js';
import { runReadinessCheck } from './readiness-check.js';
import { Redactor } from './redactor.js';
import type { ExecutorOptions } from './run-executor.js';
import { RunExecutor } from './run-executor.js';
import type { ActionLookup } from './run-action.js';
import { loadActions, requireActions } from './run-action.js';
import { runTime } from './run-clock.js';
import type { RunRef } from './run-selection.js';
import { selectRun } from './run-selection.js';
import type { SecretSources } from './secret-resolver.js';
import { SystemClock, realSleep } from './system-clock.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { ponrAtMs } from './watch-clock.js';

/** What a session needs from its host process (the CLI, the HTTP server, a test). */
export interface SessionContext {
  /**
   * The actions of this build: checks and executors run them. A lookup that loads on demand is given the
   * actions of each run's plan as the run is opened (the CLI loads no action a plan does not use).
   */
  readonly actions: ActionLookup;
  /** What the plan of a new run is checked against (`create`); a context that only opens runs needs none. */
  readonly catalog?: ActionCatalog;
  /** Where `${env:…}` secrets come from. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall-clock now, in epoch ms (leases and the run clock's anchor are real time). */
  readonly realNow: () => number;
  /** Names the store in messages (never a password). */
  readonly where?: string;
}

/** What a session that creates a run needs: the catalog the new run's plan is checked against, too. */
export type NewRunContext = SessionContext & { readonly catalog: ActionCatalog };

export type RunStarted = Extract<RunEventData, { type: 'run.started' }>;

export interface CreateRunInput {
  readonly runId: string;
  readonly started: RunStarted;
  /** The run's time at its start (its first event). */
  readonly atMs: number;
  /** Start even though another run of the same plan is unfinished in this store. */
  readonly allowConcurrent?: boolean;
}

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A compressed rehearsal's events keep the wall time beside the run clock's (see `RunEventData.wallMs`). */
const compressed = (s: { readonly mode: string; readonly speed: number }): boolean =>
  s.mode !== 'live' && s.speed !== 1;

const activeOf = (runs: readonly RunSummary[], planName: string): RunSummary[] =>
  runs.filter((r) => r.planName === planName && !r.ended);

/**
 * The one door to a stored run: everything outside the engine (CLI, HTTP server, monitors) reads and
 * changes runs through a session. A session keeps the journal it has read and the state folded from it;
 * every write goes through `appendDecided` (read again, decide again, append, bounded tries). It does not
 * own the store: whoever opened the store closes it.
 */
export class RunSession {
  readonly store: RunStore;
  readonly runId: string;
  readonly plan: Plan;
  readonly #ctx: SessionContext;
  readonly #state: RunState;
  /** The go-live watch, folded in the same pass as `#state`. */
  readonly #watch: WatchState;
  readonly #journal: RunEvent[];
  /** The session's writes, one after another. */
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(store: RunStore, plan: Plan, journal: RunEvent[], ctx: SessionContext) {
    this.store = store;
    this.plan = plan;
    this.#journal = journal;
    // One pass over the journal for the run's state and its watch (as `foldRun` and `foldWatch` would).
    const state = initialState(journal[0]!);
    const watch = initialWatch();
    for (const e of journal) {
      applyEvent(state, e);
      applyWatchEvent(plan, watch, e);
    }
    this.#state = state;
    this.#watch = watch;
    this.runId = this.#state.runId;
    this.#ctx = ctx;
  }

  /** Opens a run: by id, or the newest (of a plan, or the one unfinished run — see `RunRef`). */
  static async open(store: RunStore, ref: RunRef, ctx: SessionContext): Promise<RunSession> {
    const summary = await selectRun(store, ref, ctx.where ?? 'this store');
    const journal = [...(await store.readEvents(summary.runId))];
    if (journal.length === 0) {
      throw new TminusError('RUN_NOT_FOUND', `no run '${summary.runId}' in ${ctx.where ?? 'this store'}`);
    }
    const started = journal[0]!.data;
    if (started.type !== 'run.started') {
      throw new TminusError('STORE_CORRUPT', `run ${summary.runId} does not begin with run.started`);
    }
    const plan = await storedPlan(
      { text: started.planText, document: started.planDocument },
      `run ${summary.runId}`,
    );
    await loadActions(plan, ctx.actions);
    return new RunSession(store, plan, journal, ctx);
  }

  /**
   * Creates a run (its `run.started` event). Refuses (`RUN_ACTIVE`) while another run of the same plan is
   * unfinished in the store, unless `allowConcurrent`; of two started at the same moment, the later one
   * ends itself as aborted and refuses. Refuses a plan using actions this build does not have.
   */
  static async create(store: RunStore, input: CreateRunInput, ctx: NewRunContext): Promise<RunSession> {
    const where = ctx.where ?? 'this store';
    const planName = input.started.planName;
    const refuse = (others: readonly { runId: string }[]) =>
      new TminusError(
        'RUN_ACTIVE',
        `plan '${planName}' already has an unfinished run in ${where}: ${others.map((r) => r.runId).join(', ')}`,
        {
          hint: `continue it with \`tminus resume --run ${others[0]?.runId ?? 'ID'}\`, end it with \`tminus abort --run ID\`, or start another beside it with --concurrent`,
        },
      );
    if (!input.allowConcurrent) {
      const active = activeOf(await store.listRuns(), planName);
      if (active.length > 0) throw refuse(active);
    }
    const probe = foldRun([
      {
        runId: input.runId,
        seq: 1,
        atMs: input.atMs,
        actor: SYSTEM,
        data: input.started,
        prevHash: '',
        hash: '',
      },
    ]);
    const { plan, document } = await planOf(probe, ctx.catalog);
    await loadActions(plan, ctx.actions);
    if (!input.started.dryRun) requireActions(plan, ctx.actions);
    const planDocument = storableDocument(document);
    const started = planDocument === undefined ? input.started : { ...input.started, planDocument };
    const data = compressed(started) ? { ...started, wallMs: ctx.realNow() } : started;
    const journal = [...(await store.createRun(input.runId, [{ atMs: input.atMs, actor: SYSTEM, data }]))];
    const session = new RunSession(store, plan, journal, ctx);
    if (!input.allowConcurrent) {
      // Another `tminus run` may have checked at the same moment: the earlier run stays, the later one yields.
      const runs = await store.listRuns();
      const mine = runs.find((r) => r.runId === input.runId);
      const earlier = activeOf(runs, planName).filter(
        (r) =>
          r.runId !== input.runId &&
          mine !== undefined &&
          (r.createdAtMs < mine.createdAtMs || (r.createdAtMs === mine.createdAtMs && r.runId < mine.runId)),
      );
      if (earlier.length > 0) {
        await session.#write('ending a run started beside another', () => [
          {
            atMs: input.atMs,
            actor: SYSTEM,
            data: {
              type: 'run.ended',
              outcome: 'aborted',
              reason: `another run of plan '${planName}' started at the same moment: ${earlier[0]?.runId}`,
            },
          },
        ]);
        throw refuse(earlier);
      }
    }
    return session;
  }

  /** The state folded from every event this session has read (call `refresh` to catch up). */
  get state(): RunState {
    return this.#state;
  }

  /** Reads what others appended since and folds it in. */
  async refresh(): Promise<RunState> {
    const fresh = await this.store.readEvents(this.runId, this.#state.lastSeq);
    for (const e of fresh) {
      if (e.seq !== this.#state.lastSeq + 1) continue;
      applyEvent(this.#state, e);
      applyWatchEvent(this.plan, this.#watch, e);
      this.#journal.push(e);
    }
    return this.#state;
  }

  /** The journal after `afterSeq` (all of it by default), up to date. */
  async events(afterSeq = 0): Promise<readonly RunEvent[]> {
    await this.refresh();
    return this.#journal.slice(Math.max(0, afterSeq));
  }

  /**
   * Every event after `afterSeq`, then each new one as it is appended, until the run ends (its `run.ended`
   * is the last one yielded) or `signal` aborts. For `log --follow`, live views and event streams.
   */
  async *follow(
    options: { readonly afterSeq?: number; readonly signal?: AbortSignal; readonly pollMs?: number } = {},
  ): AsyncGenerator<RunEvent, void, undefined> {
    let last = options.afterSeq ?? 0;
    for (;;) {
      for (const e of await this.events(last)) {
        yield e;
        last = e.seq;
        if (e.data.type === 'run.ended') return;
      }
      if (options.signal?.aborted) return;
      await realSleep(options.pollMs ?? 200, options.signal).catch(() => undefined);
      if (options.signal?.aborted) return;
    }
  }

  /** The process driving the run now (its lease is live), if any. */
  driver(): Promise<LeaseHolder | undefined> {
    return liveExecutor(this.store, this.runId, this.#ctx.realNow());
  }

  /** The run's time now, as its executor sees it (see `runTime`). */
  async now(): Promise<number> {
    const s = this.#state;
    const driven = s.status !== 'ended' && s.mode !== 'live' && (await this.driver()) !== undefined;
    return runTime(s, this.#ctx.realNow(), driven);
  }

  /** Where this run's `${env:…}` and `${file:…}` secrets are resolved from. */
  secrets(): SecretSources {
    return { env: this.#ctx.env, baseDir: dirname(this.#state.planPath) };
  }

  /**
   * A person's command (complete, fail, skip, retry, vote, sign, pause, unpause, abort, rollback,
   * rebaseline, pull), checked against the plan's roles and the run's latest state, appended with the
   * person as actor and `origin` beside it. When someone else appended first, it is decided again on the
   * new state: refused (a `TminusError`, nothing appended) if no longer allowed. Pass a function to build
   * the command from the run's time (e.g. `rebaseline --go-live now+10m`). Returns the appended events.
   */
  async act(
    person: string,
    origin: Origin,
    command: PersonCommand | ((runNowMs: number) => PersonCommand),
  ): Promise<readonly RunEvent[]> {
    let now = 0;
    const appended = await this.#write(
      `${person}'s ${typeof command === 'function' ? 'command' : command.kind}`,
      (state) => {
        const cmd = typeof command === 'function' ? command(now) : command;
        return decideCommand(this.plan, state, person, cmd, now).map((data) => ({
          atMs: now,
          actor: person,
          data: { ...data, origin },
        }));
      },
      async () => {
        now = await this.now();
      },
    );
    return appended ?? [];
  }

  /** The go-live watch (monitors, declarations, decisions, PONR, success) folded from the journal read so far. */
  watch(): WatchState {
    return structuredClone(this.#watch);
  }

  /**
   * A person's go-live watch command (declare a criterion, decide a fired one, declare success), decided by
   * `decideWatchCommand` on the run's latest state and watch, with the point of no return as of the run's
   * time now; appended like `act` (person as actor, `origin` beside it). Returns the appended events.
   */
  async actOnWatch(person: string, origin: Origin, command: WatchCommand): Promise<readonly RunEvent[]> {
    let now = 0;
    const appended = await this.#write(
      `${person}'s ${command.kind}`,
      (state) =>
        decideWatchCommand(this.plan, state, this.watch(), person, command, {
          nowMs: now,
          ponrAtMs: ponrAtMs(this.plan, state),
        }).map((data) => ({ atMs: now, actor: person, data: { ...data, origin } })),
      async () => {
        now = await this.now();
      },
    );
    return appended ?? [];
  }

  /**
   * Runs every automated readiness check now (the same code the executor runs at start) and records the
   * results with their evidence, secrets masked. Refused once the run has ended. Returns what was recorded.
   */
  async runChecks(origin: Origin, signal?: AbortSignal): Promise<readonly CheckRecorded[]> {
    if (this.#state.status === 'ended') throw endedError(this.#state, 'start a new run to check readiness');
    const redactor = new Redactor();
    const recorded: CheckRecorded[] = [];
    for (const item of this.plan.checklist) {
      if (!item.check) continue;
      recorded.push(
        await runReadinessCheck({
          plan: this.plan,
          call: item.check,
          actions: this.#ctx.actions,
          clock: new SystemClock(),
          logger: quiet,
          redactor,
          secrets: this.secrets(),
          signal: signal ?? new AbortController().signal,
          attempt: 1,
          dryRun: this.#state.dryRun,
          run: {
            runId: this.runId,
            mode: this.#state.mode,
            comms: this.#state.comms,
            goLiveMs: this.#state.goLiveMs,
            stepId: item.id,
            stepTitle: item.title,
          },
        }),
      );
    }
    const masked = recorded.map((d) => redactor.redactValue(d));
    let now = 0;
    await this.#write(
      'recording readiness checks',
      (state) => {
        if (state.status === 'ended') throw endedError(state, 'the checks were not recorded');
        return masked.map((d) => ({ atMs: now, actor: SYSTEM, data: { ...d, origin } }));
      },
      async () => {
        now = await this.now();
      },
    );
    return masked;
  }

  /** Records that a rollback criterion fired (once, while the run is live); false when nothing was recorded. */
  async fireCriterion(criterionId: string, detail: string): Promise<boolean> {
    const wallMs = compressed(this.#state) ? this.#ctx.realNow() : undefined;
    const fired = await fireCriterion(this.store, this.runId, criterionId, detail, await this.now(), wallMs);
    await this.refresh();
    return fired;
  }

  /** An executor for this run (the caller runs it; it takes the run's lease when `lease` is given). */
  openExecutor(
    options: Omit<ExecutorOptions, 'store' | 'runId' | 'plan' | 'actions' | 'secrets'>,
  ): Promise<RunExecutor> {
    return RunExecutor.open(
      {
        ...options,
        store: this.store,
        runId: this.runId,
        plan: this.plan,
        actions: this.#ctx.actions,
        secrets: this.secrets(),
      },
      this.#journal,
      // The executor keeps (and changes) its own copies: the session's stay the fold of its own journal.
      { state: copyState(this.#state), watch: structuredClone(this.#watch) },
    );
  }

  /**
   * Records the result of a step this worker claimed and executed (see `StepClaims`), at the run's time now,
   * secrets masked: applied only while its claim is still the step's and the step still runs that attempt.
   * `recorded`; `dropped` when the step no longer needs it (settled by a person, abandoned, the run ended);
   * `rejected` when the claim was taken over meanwhile (the store kept the result as `append.rejected`).
   */
  async recordStepResult(
    claim: ClaimedStep,
    data: RunEventData,
    redactor: Redactor,
  ): Promise<'recorded' | 'dropped' | 'rejected'> {
    const claims = this.store;
    if (!hasStepClaims(claims)) throw new TminusError('INTERNAL', 'this store has no step claims');
    let now = 0;
    const event = () => ({ atMs: now, actor: SYSTEM, data: redactor.redactValue(data) });
    try {
      const appended = await this.#write(
        `worker ${claim.holderId} (step ${claim.stepId})`,
        (state) => {
          const s = state.steps[claim.stepId];
          const applies = state.status !== 'ended' && s?.status === 'running' && s.attempt === claim.attempt;
          return applies ? [event()] : undefined;
        },
        async () => {
          now = await this.now();
        },
        (expectedSeq, events) => claims.appendStepResult(claim, expectedSeq, events),
      );
      if (appended) return 'recorded';
      if (await claims.dropStepClaim(claim)) return 'dropped';
      // The step was taken over (that is why it no longer runs this attempt): the result is offered for the
      // record on the lost claim, which the store refuses and keeps as `append.rejected`.
      const r = await claims.appendStepResult(claim, this.#state.lastSeq, [event()]);
      await this.refresh();
      if (r.ok || !r.rejected) {
        throw new TminusError('INTERNAL', `a result on a lost claim of step ${claim.stepId} was not refused`);
      }
      return 'rejected';
    } catch (error) {
      if (error instanceof TminusError && error.code === 'LEASE_LOST') return 'rejected';
      throw error;
    }
  }

  /**
   * Every write of the session: the one conflict policy, with an async look (the run clock) before deciding.
   * Writes of one session go one at a time (a server acts for many people through one session), so they
   * never overtake each other; `appendDecided` still settles races with other processes.
   */
  #write(
    what: string,
    decide: (state: RunState) => ReturnType<Parameters<typeof appendDecided>[0]['decide']>,
    beforeDecide?: () => Promise<void>,
    append?: AppendDecidedInput['append'],
  ): Promise<readonly RunEvent[] | undefined> {
    const job = this.#writing.then(async () => {
      const appended = await appendDecided({
        store: this.store,
        runId: this.runId,
        what,
        ...(append ? { append } : {}),
        read: async () => {
          const state = await this.refresh();
          await beforeDecide?.();
          return state;
        },
        decide: (state) => {
          const events = decide(state);
          if (!events || !compressed(state)) return events;
          const wallMs = this.#ctx.realNow();
          return events.map((e) => ({ ...e, data: { ...e.data, wallMs } }));
        },
      });
      await this.refresh();
      return appended;
    });
    this.#writing = job.catch(() => undefined);
    return job;
  }
}

const endedError = (state: RunState, what: string): TminusError =>
  new TminusError('RUN_ENDED', `run ${state.runId} has ended (${state.outcome ?? 'ended'}); ${what}`);

/**
 * The plan a new run will execute, checked in full against this build's actions. The plan schema (zod) is
 * imported here, on first use, so that opening a stored run (`storedPlan`) never loads it.
 */
async function planOf(state: RunState, catalog: ActionCatalog): Promise<{ plan: Plan; document: unknown }> {
  const { loadPlan } = await import('../core/plan/load-plan.js');
  const { plan, issues, document } = loadPlan(state.planText, { actions: catalog });
  if (plan) return { plan, document };
  const first = issues.find((i) => i.severity === 'error');
  throw new TminusError(
    'STORE_CORRUPT',
    `the plan stored with run ${state.runId} no longer loads: ${first ? `${first.position?.line ?? '?'}:${first.position?.col ?? '?'} ${first.message}` : 'unknown problem'}`,
  );
}
