import { describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { Redactor } from '../../src/engine/redactor.js';
import type { NewRunContext } from '../../src/engine/run-session.js';
import { RunSession } from '../../src/engine/run-session.js';
import { ScaledClock } from '../../src/engine/scaled-clock.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../support/manual-clock.js';

/**
 * A rehearsal driven again (a worker's claim, `tminus resume`) records its clock anchor in
 * `executor.started`; every other process (a worker executing its steps, `tminus status`) reads the run's
 * time from that anchor. It must be the driver's own clock, however long the driver took to start after
 * making its clock (opening the run, taking the lease). Injected clocks: nothing waits for wall time.
 */

const PLAN = `version: 1
name: anchored
roles: { ops: { members: [olga] } }
phases:
  - id: go
    at: T+60m
    tasks:
      - { id: t0, title: Do it, owner: ops }
`;

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

describe('the clock anchor of a rehearsal at speed 1', () => {
  it('gives other processes the driver’s run time, not the time its clock was made', async () => {
    const real = new ManualClock(Date.UTC(2026, 10, 30, 12, 0));
    const registry = new ActionRegistry();
    const ctx: NewRunContext = {
      actions: registry,
      catalog: { types: [...ACTION_TYPES], checkParams: registry.catalog().checkParams },
      env: {},
      realNow: () => real.now(),
    };
    const store = SqliteStore.open(':memory:');
    await RunSession.create(
      store,
      {
        runId: 'anchored-1',
        atMs: real.now(),
        started: {
          type: 'run.started',
          planName: 'anchored',
          planTitle: 'anchored',
          planText: PLAN,
          planPath: '/plan.yaml',
          mode: 'rehearsal',
          goLiveMs: real.now() + 3_600_000,
          dryRun: false,
          autoApprove: false,
          comms: 'test',
          speed: 1,
          rollbackSteps: [],
        },
      },
      ctx,
    );
    real.advanceTo(real.now() + 5_000);
    // As a worker that claimed the run: its clock goes on from the last event, from the moment it opened it…
    const session = await RunSession.open(store, { runId: 'anchored-1' }, ctx);
    const openedAt = real.now();
    const clock = new ScaledClock(
      { atMs: session.state.lastAtMs, realMs: openedAt, speed: 1 },
      () => real.now(),
      (ms, signal) => real.sleep(ms, signal),
    );
    const executor = await session.openExecutor({
      clock,
      redactor: new Redactor(),
      logger: quiet,
      pollMs: 60_000,
      clockAnchor: { realMs: openedAt, speed: 1 },
    });
    // …and starts driving it 700 ms later (the lease, the open claims).
    real.advanceTo(real.now() + 700);
    const outcome = executor.run();
    outcome.catch(() => undefined);
    await settle();
    const started = (await store.readEvents('anchored-1')).find((e) => e.data.type === 'executor.started');
    expect(started?.data.type).toBe('executor.started');
    // A process reading the run (a step's worker) builds its clock from the recorded anchor: same time.
    const reader = await RunSession.open(store, { runId: 'anchored-1' }, ctx);
    const readersClock = new ScaledClock(reader.state.clockAnchor, () => real.now());
    real.advanceTo(real.now() + 1_234);
    expect(readersClock.now()).toBe(clock.now());
    executor.crash();
    await outcome.catch(() => undefined);
  });
});
