import { z } from 'zod';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { Plan } from '../../src/core/plan/plan.js';
import type { PersonCommand } from '../../src/core/run/run-commands.js';
import { decideCommand } from '../../src/core/run/run-commands.js';
import { everyone } from '../../src/core/run/roles.js';
import type { RunEvent } from '../../src/core/run/run-event.js';
import type { RunState } from '../../src/core/run/run-state.js';
import { applyEvent, foldRun, initialState, isDone } from '../../src/core/run/run-state.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionDefinition } from '../../src/engine/action.js';
import { Redactor } from '../../src/engine/redactor.js';
import { RunExecutor } from '../../src/engine/run-executor.js';
import { eligibleVoters, requiredVotes } from '../../src/engine/scheduler.js';
import { ManualClock } from '../support/manual-clock.js';
import { fireCriterion } from '../../src/engine/fire-criterion.js';
import { memoryKeyring } from '../../src/store/journal/journal-key.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { RunStore } from '../../src/store/store.js';
import type { Rng } from './sim-plan.js';
import { generatePlan, int, pick, rng } from './sim-plan.js';

const START = Date.UTC(2026, 11, 4, 12);
const params = z.object({ ms: z.number(), failRate: z.number() });

interface Execution {
  readonly stepId: string;
  readonly attempt: number;
}

function simActions(r: Rng, log: Execution[]): ActionRegistry {
  const make = (type: string, idempotent: boolean): ActionDefinition<z.infer<typeof params>> => ({
    type,
    description: 'simulated step',
    params,
    idempotent,
    async execute(ctx, p) {
      // The side effect happens when the action starts: that is what must not be repeated blindly.
      log.push({ stepId: ctx.run.stepId, attempt: ctx.attempt });
      await ctx.clock.sleep(Math.round(p.ms * (0.5 + r())), ctx.signal);
      if (r() < p.failRate) {
        throw new TminusError('ACTION_FAILED', 'simulated failure', { retryable: r() < 0.8 });
      }
      return { summary: 'ok' };
    },
  });
  return new ActionRegistry().register(make('sim.once', false)).register(make('sim.idem', true));
}

/** A person doing something: often what the run waits for, sometimes anything at all. */
function humanCommand(r: Rng, plan: Plan, state: RunState): { person: string; cmd: PersonCommand } {
  const people = everyone(plan);
  const person = pick(r, people);
  const stepIds = [...plan.tasks.map((t) => t.id), ...plan.rollback.steps.map((s) => s.id)];
  if (r() < 0.7) {
    const open = Object.entries(state.steps).filter(([, s]) => s.status === 'waiting' || s.status === 'held');
    if (open.length > 0) {
      const [id, s] = pick(r, open);
      const task = plan.tasks.find((t) => t.id === id);
      if (task?.kind === 'gate') {
        const voted = new Set(state.gates[id]?.votes.map((v) => v.by));
        const voter = eligibleVoters(plan, task).find((p) => !voted.has(p)) ?? person;
        return r() < 0.85
          ? { person: voter, cmd: { kind: 'vote', gateId: id, vote: 'go' } }
          : { person: voter, cmd: { kind: 'vote', gateId: id, vote: 'no-go', reason: 'not ready' } };
      }
      const owner = task?.owner ?? plan.rollback.steps.find((x) => x.id === id)?.owner;
      const who = owner ? (plan.roles[owner]?.members[0] ?? person) : person;
      if (s.status === 'held') {
        const kind = pick(r, ['retry', 'retry', 'skip', 'complete', 'fail'] as const);
        return { person: who, cmd: { kind, stepId: id, reason: 'decided by the owner' } };
      }
      return { person: who, cmd: { kind: r() < 0.9 ? 'complete' : 'fail', stepId: id, reason: 'done' } };
    }
    if (!state.checks['c-manual']?.signed) return { person: 'p1', cmd: { kind: 'sign', itemId: 'c-manual' } };
  }
  const x = r();
  if (x < 0.05) return { person, cmd: { kind: 'rollback', reason: 'simulated decision' } };
  if (x < 0.07) return { person, cmd: { kind: 'abort', reason: 'simulated abort' } };
  if (x < 0.15) return { person, cmd: { kind: state.status === 'paused' ? 'unpause' : 'pause' } };
  if (x < 0.2) return { person, cmd: { kind: 'pull', phaseId: pick(r, plan.phases).id } };
  if (x < 0.23) {
    return { person, cmd: { kind: 'rebaseline', goLiveMs: state.goLiveMs + int(r, -60, 60) * 60_000 } };
  }
  const kind = pick(r, ['complete', 'fail', 'skip', 'retry'] as const);
  return { person, cmd: { kind, stepId: pick(r, stepIds), reason: 'random' } };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface CaseResult {
  readonly events: readonly RunEvent[];
  readonly crashes: number;
  readonly humanActions: number;
}

/** Runs one seeded case end to end and checks every invariant; throws with the seed on violation. */
export async function simulate(seed: number): Promise<CaseResult> {
  const r = rng(seed);
  const execLog: Execution[] = [];
  const actions = simActions(r, execLog);
  const catalog = {
    types: [...ACTION_TYPES, ...actions.types()],
    checkParams: actions.catalog().checkParams,
  };
  const loaded = loadPlan(JSON.stringify(generatePlan(r)), { actions: catalog });
  if (!loaded.plan) {
    throw new Error(
      `seed ${seed}: generated plan invalid: ${loaded.issues.map((i) => i.message).join('; ')}`,
    );
  }
  const plan = loaded.plan;
  // A fixed journal key: a replayed seed must give the very same journal, hashes included.
  const sqlite = SqliteStore.open(':memory:', {
    journal: { keyring: memoryKeyring(Buffer.alloc(32, 7)), witnessDir: undefined },
  });
  // Reads and writes complete after a random number of turns of the event loop, as a networked store's
  // would, so the executor's own concurrent reads and writes interleave in many orders.
  const later = async () => {
    for (let n = Math.floor(r() * 3); n > 0; n--) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  // Each executor gets its own connection; a crash closes it, so nothing it had in flight lands afterwards
  // (as with a killed process).
  const connect = () => {
    const conn = { closed: false };
    const open = () => {
      if (conn.closed) throw new Error('connection closed by the crash');
    };
    const store: RunStore = {
      createRun: (...a) => sqlite.createRun(...a),
      append: async (...a) => {
        await later();
        open();
        return sqlite.append(...a);
      },
      readEvents: async (...a) => {
        await later();
        open();
        return sqlite.readEvents(...a);
      },
      listRuns: () => sqlite.listRuns(),
      head: (id) => sqlite.head(id),
      verifyJournal: (id) => sqlite.verifyJournal(id),
      acquireLease: (...a) => sqlite.acquireLease(...a),
      renewLease: (...a) => sqlite.renewLease(...a),
      releaseLease: (...a) => sqlite.releaseLease(...a),
      leaseOf: (id) => sqlite.leaseOf(id),
      claimRun: (...a) => sqlite.claimRun(...a),
      leaseEpoch: (id) => sqlite.leaseEpoch(id),
      close: () => sqlite.close(),
    };
    return { store, close: () => (conn.closed = true) };
  };
  let connection = connect();
  const store = sqlite;
  const clock = new ManualClock(START);
  const options = {
    store: connection.store,
    runId: 'sim',
    plan,
    actions,
    clock,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '/' },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    pollMs: 3_600_000,
    checkReusedDecisions: true,
    clockAnchor: { realMs: START, speed: 1 },
    // Each executor must see every event exactly once, in order.
    onEvent: (e: RunEvent) => {
      if (lastSeen !== undefined && e.seq !== lastSeen + 1) {
        onEventErrors.push(`event #${e.seq} delivered after #${lastSeen}`);
      }
      lastSeen = e.seq;
    },
  };
  let lastSeen: number | undefined;
  const onEventErrors: string[] = [];
  let executor = await RunExecutor.create(
    options,
    {
      type: 'run.started',
      planName: plan.name,
      planTitle: plan.title,
      planText: '',
      planPath: '/sim.json',
      mode: 'rehearsal',
      goLiveMs: START - (plan.phases[0]?.atMs ?? 0),
      dryRun: false,
      autoApprove: r() < 0.1,
      comms: 'off',
      speed: 1,
      rollbackSteps: plan.rollback.steps.map((s) => s.id),
    },
    START,
  );
  let running = executor.run();
  let crashes = 0;
  let humanActions = 0;
  const failures: unknown[] = [];
  const crashed = new Set<RunExecutor>();
  const watch = (p: Promise<unknown>, ex: RunExecutor) =>
    p.catch((e: unknown) => {
      if (!crashed.has(ex)) failures.push(e);
    });
  void watch(running, executor);

  for (let i = 0; i < 600; i++) {
    for (let k = 0; k < 4; k++) await flush();
    if (failures.length > 0) break;
    if (executor.state.status === 'ended') break;
    const roll = r();
    if (roll < 0.03) {
      // Crash: drop the engine with whatever it had in flight, and rebuild one from the store.
      crashed.add(executor);
      executor.crash();
      connection.close();
      connection = connect();
      options.store = connection.store;
      await running.catch(() => undefined);
      const fold = foldRun(await store.readEvents('sim'));
      lastSeen = fold.lastSeq;
      executor = await RunExecutor.open(options);
      expectEqual(seed, executor.state, fold, 'a rebuilt executor starts from the fold of the journal');
      running = executor.run();
      void watch(running, executor);
      crashes++;
      continue;
    }
    if (roll < 0.35 || i > 500) {
      const events = await store.readEvents('sim');
      const state = foldRun(events);
      const { person, cmd } =
        i > 500
          ? { person: 'p1', cmd: { kind: 'abort', reason: 'simulation too long' } as const }
          : humanCommand(r, plan, state);
      try {
        const data = decideCommand(plan, state, person, cmd, clock.now());
        const res = await store.append(
          'sim',
          state.lastSeq,
          data.map((d) => ({ atMs: clock.now(), actor: person, data: d })),
        );
        if (res.ok) humanActions++;
      } catch (error) {
        if (!(error instanceof TminusError)) throw error;
      }
      if (r() < 0.2) await fireCriterion(store, 'sim', 'manual-call', 'a monitor said so', clock.now());
      executor.poke();
      continue;
    }
    const next = clock.nextTimerAt();
    if (next !== undefined) clock.advanceTo(next);
  }
  await flush();
  if (failures.length > 0) {
    throw new Error(`seed ${seed}: executor failed: ${String(failures[0])}`, { cause: failures[0] });
  }
  if (onEventErrors.length > 0) throw new Error(`seed ${seed}: ${onEventErrors[0]}`);
  if (executor.state.status !== 'ended') throw new Error(`seed ${seed}: run did not end`);
  await running;
  const events = await store.readEvents('sim');
  expectEqual(seed, executor.state, foldRun(events), 'the live state equals the fold of the journal');
  checkInvariants(seed, plan, events, execLog);
  const verdict = await store.verifyJournal('sim');
  if (verdict.status !== 'intact') {
    throw new Error(`seed ${seed}: journal ${verdict.status}: ${JSON.stringify(verdict.findings)}`);
  }
  await store.close();
  return { events, crashes, humanActions };
}

function expectEqual(seed: number, a: unknown, b: unknown, what: string): void {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`seed ${seed}: ${what} — violated\nlive: ${x}\nfold: ${y}`);
}

/** The guarantees, checked by replaying the journal event by event. */
export function checkInvariants(
  seed: number,
  plan: Plan,
  events: readonly RunEvent[],
  execLog: readonly Execution[],
): void {
  const fail = (message: string, e?: RunEvent): never => {
    if (process.env.SIM_DEBUG) {
      for (const x of events) console.log(x.seq, x.atMs, x.actor, JSON.stringify(x.data).slice(0, 200));
    }
    throw new Error(`seed ${seed}: ${message}${e ? ` (event #${e.seq} ${JSON.stringify(e.data)})` : ''}`);
  };
  const state = initialState(events[0]!);
  const rollbackIds = plan.rollback.steps.map((s) => s.id);
  const lastStartKind = new Map<string, string>();
  for (const e of events) {
    const d = e.data;
    if (d.type === 'step.started' || d.type === 'step.waiting') {
      const task = plan.tasks.find((t) => t.id === d.stepId);
      if (task) {
        if (state.rollback) fail(`forward task '${task.id}' started during a rollback`, e);
        for (const dep of task.after) {
          if (!isDone(state.steps[dep])) fail(`'${task.id}' started before its dependency '${dep}'`, e);
        }
        const phase = plan.phases[task.phaseIndex]!;
        if (!state.pulledPhases.includes(phase.id) && e.atMs < state.goLiveMs + phase.atMs) {
          fail(`'${task.id}' started before its phase time`, e);
        }
        for (const t of plan.tasks) {
          if (t.phaseIndex < task.phaseIndex && !isDone(state.steps[t.id])) {
            fail(`'${task.id}' started before earlier phase task '${t.id}' was done`, e);
          }
        }
      }
      const idx = rollbackIds.indexOf(d.stepId);
      if (idx > 0 && !isDone(state.steps[rollbackIds[idx - 1]!])) {
        fail(`rollback step '${d.stepId}' started out of order`, e);
      }
      if (state.status !== 'running') fail(`'${d.stepId}' started while the run was ${state.status}`, e);
    }
    if (d.type === 'step.started') {
      const prior = lastStartKind.get(d.stepId);
      const idem = isIdempotent(plan, d.stepId);
      if (prior !== undefined && prior !== 'failed' && prior !== 'retried' && !(idem && prior === 'rerun')) {
        fail(`'${d.stepId}' started again after '${prior}' without a failure or a person's retry`, e);
      }
      lastStartKind.set(d.stepId, 'started');
    }
    if (d.type === 'step.failed') lastStartKind.set(d.stepId, 'failed');
    if (d.type === 'step.retried') lastStartKind.set(d.stepId, 'retried');
    if (d.type === 'step.interrupted') {
      if (d.rerun && !isIdempotent(plan, d.stepId)) {
        fail(`non-idempotent '${d.stepId}' was re-run after a crash`, e);
      }
      lastStartKind.set(d.stepId, d.rerun ? 'rerun' : 'unknown');
    }
    if (d.type === 'gate.voted') {
      // One standing vote per person: it may change before the gate decides, never be cast again as is.
      if (state.gates[d.gateId]?.votes.some((v) => v.by === e.actor && v.vote === d.vote)) {
        fail(`${e.actor} voted ${d.vote} twice on '${d.gateId}'`, e);
      }
      if (state.gates[d.gateId]?.outcome) fail(`a vote was counted after '${d.gateId}' was decided`, e);
    }
    if (d.type === 'gate.decided' && d.basis === 'votes' && d.outcome === 'go') {
      const task = plan.tasks.find((t) => t.id === d.gateId)!;
      const go = (state.gates[d.gateId]?.votes ?? []).filter((v) => v.vote === 'go').length;
      if (go < requiredVotes(plan, task)) fail(`'${d.gateId}' passed with ${go} go votes`, e);
    }
    applyEvent(state, e);
  }
  // The side effects themselves: a non-idempotent attempt never executes twice.
  const seen = new Set<string>();
  for (const x of execLog) {
    const key = `${x.stepId}#${x.attempt}`;
    if (seen.has(key) && !isIdempotent(plan, x.stepId)) {
      fail(`'${x.stepId}' attempt ${x.attempt} executed twice`);
    }
    seen.add(key);
  }
}

function isIdempotent(plan: Plan, id: string): boolean {
  const task = plan.tasks.find((t) => t.id === id);
  if (task?.kind === 'wait') return true;
  const item = plan.checklist.find((c) => c.id === id);
  if (item) return item.check?.action === 'sim.idem';
  const step = plan.rollback.steps.find((s) => s.id === id);
  const declared = task?.idempotent ?? step?.idempotent;
  if (declared !== undefined) return declared;
  return (task?.call ?? step?.call)?.action === 'sim.idem';
}
