import { describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import type { Origin, RunEvent, RunOutcome } from '../../src/core/run/run-event.js';
import { Redactor } from '../../src/engine/redactor.js';
import type { NewRunContext } from '../../src/engine/run-session.js';
import { RunSession } from '../../src/engine/run-session.js';
import { ScaledClock } from '../../src/engine/scaled-clock.js';
import { ManualClock } from '../support/manual-clock.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * The pace of a compressed rehearsal, on injected clocks: "real" time is a ManualClock the test moves, the
 * run clock a ScaledClock at ×1000 over it. Nothing here waits for wall-clock time.
 */

const M = 60_000;
const SPEED = 1000;

const PLAN = `version: 1
name: paced
title: Paced rehearsal
roles:
  lead: { title: Lead, members: [alice] }
  tech: { title: Tech, members: [bob] }
checklist:
  people:
    - { id: on-call, title: On-call roster confirmed, owner: tech }
    - { id: comms, title: Comms drafted, owner: lead }
phases:
  - id: prep
    at: T-60m
    tasks:
      - { id: go, type: gate, voters: [lead], deadline: T-30m, onTimeout: no-go, requires: [on-call] }
  - id: cutover
    at: T-10m
    tasks:
      - { id: switch, title: Switch traffic, owner: tech }
      - { id: settle, type: wait, until: T+0 }
`;

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const ORIGIN: Origin = { via: 'cli', osUser: 'alice', host: 'bastion', pid: 4242 };

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

async function start() {
  const real = new ManualClock(Date.UTC(2026, 11, 5, 1, 0));
  const clock = new ScaledClock(
    { atMs: real.now(), realMs: real.now(), speed: SPEED },
    () => real.now(),
    (ms, signal) => real.sleep(ms, signal),
  );
  const registry = new ActionRegistry();
  const ctx: NewRunContext = {
    actions: registry,
    catalog: { types: [...ACTION_TYPES], checkParams: registry.catalog().checkParams },
    env: {},
    realNow: () => real.now(),
  };
  const store = SqliteStore.open(':memory:');
  const goLiveMs = real.now() + 60 * M;
  const session = await RunSession.create(
    store,
    {
      runId: 'paced-1',
      atMs: clock.now(),
      started: {
        type: 'run.started',
        planName: 'paced',
        planTitle: 'Paced rehearsal',
        planText: PLAN,
        planPath: '/plan.yaml',
        mode: 'rehearsal',
        goLiveMs,
        dryRun: false,
        autoApprove: false,
        comms: 'test',
        speed: SPEED,
        rollbackSteps: [],
      },
    },
    ctx,
  );
  const executor = await session.openExecutor({
    clock,
    redactor: new Redactor(),
    logger: quiet,
    pollMs: 150 * SPEED,
    // A lease (on the same virtual real time) tells other sessions the run is driven, so their clock runs.
    lease: { holder: { id: 'executor-1', pid: process.pid, host: 'test' }, clock: real, ttlMs: 3_600_000 },
  });
  const outcome: Promise<RunOutcome> = executor.run();
  outcome.catch(() => undefined);
  /** Another terminal: its own session on the same store, acting as a person. */
  const person = async (who: string, cmd: Parameters<RunSession['act']>[2]) =>
    (await RunSession.open(store, { runId: 'paced-1' }, ctx)).act(who, ORIGIN, cmd);
  /** Moves real time forward by `ms` in steps of `stepMs`, letting the executor run after each. */
  const advanceReal = async (ms: number, stepMs = 150) => {
    const target = real.now() + ms;
    while (real.now() < target) {
      await settle();
      real.advanceTo(Math.min(real.now() + stepMs, target));
    }
    await settle();
  };
  const events = async (): Promise<RunEvent[]> => [...(await store.readEvents('paced-1'))];
  const paced = async () =>
    (await events()).flatMap((e) => (e.data.type === 'clock.paced' ? [{ e, d: e.data }] : []));
  return {
    real,
    clock,
    ctx,
    store,
    session,
    executor,
    outcome,
    person,
    advanceReal,
    events,
    paced,
    goLiveMs,
  };
}

describe('a compressed rehearsal with people', () => {
  it('runs at real time while a vote is owed, so the vote decides the gate before its deadline', async () => {
    const run = await start();
    await run.advanceReal(10);
    // The gate opened at T-60m: alice owes a vote and bob the sign-off it requires; the clock is at real time.
    const first = (await run.paced())[0];
    expect(first?.d.speed).toBe(1);
    expect(first?.d.waitingFor).toBe('alice to vote on go; bob to sign off on-call');
    expect(run.executor.state.steps.go?.status).toBe('waiting');
    // Twenty real minutes later the run clock has moved twenty minutes, not 20,000: the deadline is ahead.
    await run.advanceReal(20 * M, 10_000);
    const sinceT0 = (await run.session.now()) - run.goLiveMs;
    expect(sinceT0).toBeGreaterThanOrEqual(-40 * M - 1000);
    expect(sinceT0).toBeLessThan(-39 * M);
    expect(run.executor.state.gates.go?.outcome).toBeUndefined();

    await run.person('bob', { kind: 'sign', itemId: 'on-call' });
    await run.advanceReal(200);
    expect((await run.paced()).at(-1)?.d.waitingFor).toBe('alice to vote on go');
    const votedAtReal = run.real.now();
    await run.person('alice', { kind: 'vote', gateId: 'go', vote: 'go' });
    await run.advanceReal(200);
    expect(run.executor.state.gates.go).toMatchObject({ outcome: 'go', basis: 'votes' });
    // Every event keeps its wall time beside the run clock's: the person's and the executor's alike.
    const voted = (await run.events()).find((e) => e.data.type === 'gate.voted')!;
    expect(voted.data.wallMs).toBe(votedAtReal);
    const decided = (await run.events()).find((e) => e.data.type === 'gate.decided')!;
    expect(decided.data.wallMs).toBeGreaterThanOrEqual(votedAtReal);
    expect(decided.data.wallMs).toBeLessThanOrEqual(votedAtReal + 200);
    // Nobody owes anything between the gate and T-10m: that half hour is compressed again.
    const back = (await run.paced()).at(-1)!;
    expect(back.d).toMatchObject({ speed: SPEED });
    expect(back.d.waitingFor).toBeUndefined();
    const atBack = back.e.atMs;
    await run.advanceReal(2_000); // 2 s real = 2,000 s on the run clock: past T-10m
    const waiting = (await run.paced()).at(-1)!;
    // The manual task at T-10m holds the clock again; the clock wait beside it does not.
    expect(waiting.d).toMatchObject({ speed: 1, waitingFor: 'bob to complete switch' });
    expect(waiting.e.atMs - run.goLiveMs).toBeGreaterThanOrEqual(-10 * M);
    expect(waiting.e.atMs - atBack).toBeGreaterThanOrEqual(20 * M);

    await run.person('bob', { kind: 'complete', stepId: 'switch' });
    await run.advanceReal(2_000); // 10 run minutes to T+0 take 0.6 s real once compressed
    expect(await run.outcome).toBe('completed');
    const all = await run.events();
    expect(all.every((e) => typeof e.data.wallMs === 'number')).toBe(true);
    expect(all.find((e) => e.data.type === 'gate.decided')?.data).toMatchObject({ basis: 'votes' });
  });

  it('keeps every process on the same time: the journal anchors each change of pace exactly', async () => {
    const run = await start();
    await run.advanceReal(10);
    await run.advanceReal(5 * M, 10_000);
    // Another process knows only the journal: the time it reads is the executor's clock, to the millisecond.
    const other = await RunSession.open(run.store, { runId: 'paced-1' }, run.ctx);
    expect(other.state.clockAnchor).toEqual(run.clock.anchor);
    expect(run.clock.anchor.speed).toBe(1);
    expect(Math.abs((await other.now()) - run.clock.now())).toBeLessThanOrEqual(1);
    await run.person('alice', { kind: 'abort', reason: 'end of test' });
    await run.advanceReal(200);
    expect(await run.outcome).toBe('aborted');
  });

  it('a pause holds the clock at real time until a lead resumes', async () => {
    const run = await start();
    await run.advanceReal(10);
    await run.person('bob', { kind: 'sign', itemId: 'on-call' });
    await run.person('alice', { kind: 'vote', gateId: 'go', vote: 'go' });
    await run.advanceReal(200);
    expect(run.clock.speed).toBe(SPEED);
    await run.person('alice', { kind: 'pause', reason: 'coffee' });
    await run.advanceReal(200);
    expect((await run.paced()).at(-1)?.d).toMatchObject({ speed: 1, waitingFor: 'alice to resume the run' });
    const before = await run.session.now();
    await run.advanceReal(60_000, 10_000);
    expect((await run.session.now()) - before).toBeLessThanOrEqual(60_000 + 1000);
    await run.person('alice', { kind: 'unpause' });
    await run.advanceReal(200);
    expect(run.clock.speed).toBe(SPEED);
    await run.person('alice', { kind: 'abort', reason: 'end of test' });
    await run.advanceReal(200);
    expect(await run.outcome).toBe('aborted');
  });
});
