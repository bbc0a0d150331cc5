import { ActionRegistry } from '../../src/actions/action-registry.js';
import type { Clock } from '../../src/core/clock.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { Plan } from '../../src/core/plan/plan.js';
import type { PersonCommand } from '../../src/core/run/run-commands.js';
import { decideCommand } from '../../src/core/run/run-commands.js';
import type { NewRunEvent, RunEvent, RunOutcome } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import type { ActionDefinition } from '../../src/engine/action.js';
import { Redactor } from '../../src/engine/redactor.js';
import type { ExecutorOptions } from '../../src/engine/run-executor.js';
import { RunExecutor } from '../../src/engine/run-executor.js';
import { ManualClock } from './manual-clock.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export const T0 = Date.UTC(2026, 11, 5, 2);

export interface HarnessOptions {
  readonly actions?: readonly ActionDefinition<never>[];
  readonly autoApprove?: boolean;
  readonly dryRun?: boolean;
  /** Where the clock starts, relative to T-0 (default: the first phase). */
  readonly startOffsetMs?: number;
  readonly env?: Record<string, string>;
  readonly redactor?: Redactor;
  /** The clock step timeouts run on (a `SystemClock` when real I/O must not time out on virtual time). */
  readonly timeoutClock?: Clock;
  /** Earlier runs to put in the store before this one starts (each a journal, its run id from `runId`). */
  readonly earlierRuns?: readonly { readonly runId: string; readonly events: readonly NewRunEvent[] }[];
}

/** An in-process run on a virtual clock and an in-memory store, driven step by step by the test. */
export async function harness(planText: string, options: HarnessOptions = {}) {
  const registry = new ActionRegistry();
  for (const a of options.actions ?? []) registry.register(a);
  const catalog = {
    types: [...ACTION_TYPES, ...registry.types()],
    checkParams: registry.catalog().checkParams,
  };
  const { plan, issues } = loadPlan(planText, { actions: catalog });
  if (!plan) throw new Error(issues.map((i) => `${i.position?.line}: ${i.message}`).join('\n'));
  const start = T0 + (options.startOffsetMs ?? plan.phases[0]?.atMs ?? 0);
  const clock = new ManualClock(start);
  const store = SqliteStore.open(':memory:');
  for (const r of options.earlierRuns ?? []) {
    await store.createRun(r.runId, r.events.slice(0, 1));
    const rest = r.events.slice(1);
    if (rest.length > 0) await store.append(r.runId, 1, rest);
  }
  const logs: string[] = [];
  const opts: ExecutorOptions = {
    store,
    runId: 'test',
    plan,
    actions: registry,
    clock,
    redactor: options.redactor ?? new Redactor(),
    secrets: { env: options.env ?? {}, baseDir: '/' },
    logger: {
      debug: (m) => logs.push(m),
      info: (m) => logs.push(m),
      warn: (m) => logs.push(m),
      error: (m) => logs.push(m),
    },
    pollMs: 86_400_000,
    checkReusedDecisions: true,
    ...(options.timeoutClock ? { timeoutClock: options.timeoutClock } : {}),
  };
  let executor = await RunExecutor.create(
    opts,
    {
      type: 'run.started',
      planName: plan.name,
      planTitle: plan.title,
      planText,
      planPath: '/plan.yaml',
      mode: 'rehearsal',
      goLiveMs: T0,
      dryRun: options.dryRun ?? false,
      autoApprove: options.autoApprove ?? false,
      comms: 'off',
      speed: 1,
      rollbackSteps: plan.rollback.steps.map((s) => s.id),
    },
    start,
  );
  let running: Promise<RunOutcome> = executor.run();
  running.catch(() => undefined);
  const flush = async () => {
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
  };
  const events = async (): Promise<RunEvent[]> => [...(await store.readEvents('test'))];
  const h = {
    plan: plan as Plan,
    clock,
    store,
    logs,
    get executor() {
      return executor;
    },
    get state() {
      return executor.state;
    },
    events,
    flush,
    /** Advances virtual time timer by timer until `until` (a predicate) holds; fails after `maxSteps`. */
    async driveUntil(until: () => boolean, maxSteps = 500): Promise<void> {
      for (let i = 0; i < maxSteps; i++) {
        await flush();
        if (until()) return;
        const next = clock.nextTimerAt();
        if (next === undefined) break;
        clock.advanceTo(next);
      }
      await flush();
      if (!until()) throw new Error(`condition not reached; state: ${JSON.stringify(executor.state.steps)}`);
    },
    async advance(ms: number): Promise<void> {
      const target = clock.now() + ms;
      for (;;) {
        await flush();
        const next = clock.nextTimerAt();
        if (next === undefined || next > target) break;
        clock.advanceTo(next);
      }
      clock.advanceTo(target);
      await flush();
    },
    /** A person's command, exactly as the CLI applies it. */
    async act(person: string, cmd: PersonCommand): Promise<void> {
      const state = foldRun(await events());
      const data = decideCommand(plan, state, person, cmd, clock.now());
      const r = await store.append(
        'test',
        state.lastSeq,
        data.map((d) => ({ atMs: clock.now(), actor: person, data: d })),
      );
      if (!r.ok) throw new Error('conflict');
      executor.poke();
      await flush();
    },
    async outcome(): Promise<RunOutcome> {
      await h.driveUntil(() => executor.state.status === 'ended');
      return running;
    },
    /** Drops the engine (as a SIGKILL would) and builds a new one from the store. */
    async crashAndResume(): Promise<void> {
      executor.crash();
      await running.catch(() => undefined);
      executor = await RunExecutor.open(opts);
      running = executor.run();
      running.catch(() => undefined);
      await flush();
    },
  };
  return h;
}
