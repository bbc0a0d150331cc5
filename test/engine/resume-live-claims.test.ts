import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { Plan } from '../../src/core/plan/plan.js';
import { TminusError } from '../../src/core/tminus-error.js';
import { Redactor } from '../../src/engine/redactor.js';
import { RunExecutor } from '../../src/engine/run-executor.js';
import { SystemClock } from '../../src/engine/system-clock.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { ClaimedStep } from '../../src/store/store.js';
import { hasStepClaims } from '../../src/store/store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { runStarted } from '../support/run-events.js';
import { waitFor } from '../support/wait-for.js';
import type { Call } from './test-actions.js';
import { testAction } from './test-actions.js';

const planText = `version: 1
name: claims
roles: { ops: { members: [bob] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: copy, title: Copy, owner: ops, action: t, with: { ms: 3600000 } }
`;
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const holder = (id: string) => ({ id, pid: 1, host: 'h' });

let db: TestDatabase;
let store: PostgresStore;
let plan: Plan;
const calls: Call[] = [];
const actions = new ActionRegistry().register(testAction('t', true, calls));

beforeAll(async () => {
  db = await createPostgresDatabase('tminus_resume_claims');
  store = await PostgresStore.open(db.url);
  const loaded = loadPlan(planText, { actions: actions.catalog() });
  if (!loaded.plan) throw new Error('plan does not load');
  plan = loaded.plan;
});

afterAll(async () => {
  await store.close();
  await db.drop();
});

/** A run whose driver `d` died (its lease ran out long ago) after offering step `copy`, which nobody claimed. */
async function runWithOffer(runId: string): Promise<void> {
  if (!hasStepClaims(store)) throw new Error('this store has no step claims');
  await store.createRun(runId, [runStarted({ planName: 'claims', planText, goLiveMs: 0 })]);
  const g = await store.acquireLease(runId, holder('d'), { nowMs: 0, ttlMs: 1_000 });
  if (!g.ok) throw new Error('not granted');
  const fence = { holderId: 'd', epoch: g.epoch };
  const started = { stepId: 'copy', attempt: 1 };
  await store.append(
    runId,
    1,
    [{ atMs: 0, actor: 'system', data: { type: 'step.started', ...started } }],
    fence,
  );
  expect(await store.offerSteps(runId, [started], fence)).toBe(true);
}

/**
 * A run whose driver `d` died (its lease ran out long ago) while step `copy` was offered to the workers and
 * claimed by worker `w` until `claimUntilMs` (real time).
 */
async function runWithClaim(runId: string, claimUntilMs: number): Promise<ClaimedStep> {
  await runWithOffer(runId);
  const ttlMs = 60_000;
  const claim = await store.claimStep(holder('w'), { nowMs: claimUntilMs - ttlMs, ttlMs });
  expect(claim).toMatchObject({ runId, stepId: 'copy', attempt: 1 });
  return claim!;
}

/** `tminus resume` of the run, in this process (through `through`, a view of the store, when given). */
const resume = async (runId: string, through: PostgresStore = store) => {
  const clock = new SystemClock();
  return RunExecutor.open({
    store: through,
    runId,
    plan,
    actions,
    clock,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '/' },
    logger: quiet,
    pollMs: 60_000,
    lease: { holder: holder('resumer'), clock, ttlMs: 60_000 },
  });
};

describe('tminus resume next to a live step worker (PostgreSQL step claims)', () => {
  it('refuses while a worker still executes a running step, naming it, and writes nothing', async () => {
    await runWithClaim('live', Date.now() + 60_000);
    const before = await store.readEvents('live');
    const executor = await resume('live');
    const refused = await executor.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TminusError);
    expect(refused).toMatchObject({ code: 'RUN_LOCKED' });
    expect((refused as TminusError).message).toMatch(
      /^run live: step 'copy' \(worker w, its step lease for another \d+s\) is being executed by a live worker; resuming here would settle it as after a crash and could run it a second time at once$/,
    );
    expect(await store.readEvents('live')).toEqual(before);
    expect(calls).toEqual([]);
    // The run's lease was not taken: a worker can still take the run over.
    expect(
      await store.acquireLease('live', holder('other'), { nowMs: Date.now(), ttlMs: 1_000 }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('takes the step over from a worker whose step lease ran out: its late result is refused, not dropped', async () => {
    const claim = await runWithClaim('stale', Date.now() - 1);
    const executor = await resume('stale');
    const outcome = executor.run();
    outcome.catch(() => undefined);
    await waitFor(
      async () => (await store.readEvents('stale')).some((e) => e.data.type === 'step.interrupted'),
      'the interrupted step',
    );
    executor.crash();
    await outcome.catch(() => undefined);
    const interrupted = (await store.readEvents('stale')).find((e) => e.data.type === 'step.interrupted');
    expect(interrupted?.data).toMatchObject({
      stepId: 'copy',
      attempt: 1,
      rerun: true,
      takenOver: { by: 'resumer', from: 'w', fromEpoch: claim.epoch },
    });
    // The stalled worker wakes up: its claim was revoked, so its result is kept as rejected (not dropped).
    expect(await store.renewStepClaim(claim, Date.now(), 60_000)).toBe(false);
    expect(await store.dropStepClaim(claim)).toBe(false);
    const late = await store.appendStepResult(claim, interrupted!.seq, [
      {
        atMs: 0,
        actor: 'system',
        data: { type: 'step.succeeded', stepId: 'copy', attempt: 1, summary: 'ok' },
      },
    ]);
    expect(late.ok ? undefined : late.rejected?.data).toMatchObject({ type: 'append.rejected', holder: 'w' });
  });
});

describe('tminus resume next to an offer nobody claimed yet (PostgreSQL step claims)', () => {
  it('takes the offer back before running the step itself: no worker can claim it afterwards', async () => {
    await runWithOffer('offered');
    const executor = await resume('offered');
    const outcome = executor.run();
    outcome.catch(() => undefined);
    await waitFor(
      async () => (await store.readEvents('offered')).some((e) => e.data.type === 'step.interrupted'),
      'the interrupted step',
    );
    // A worker polling now finds nothing to claim: the step is the resumer's alone.
    expect(await store.claimStep(holder('w'), { nowMs: Date.now(), ttlMs: 60_000 })).toBeUndefined();
    executor.crash();
    await outcome.catch(() => undefined);
    const interrupted = (await store.readEvents('offered')).find((e) => e.data.type === 'step.interrupted');
    // Nobody executed it (an offer is executed only by the worker that claims it): it runs again.
    expect(interrupted?.data).toEqual({ type: 'step.interrupted', stepId: 'copy', attempt: 1, rerun: true });
    expect(await store.openStepClaims('offered')).toEqual([]);
  });

  it('refuses, writing nothing, when a worker claims the step between the look and the take-over', async () => {
    await runWithOffer('raced');
    const before = await store.readEvents('raced');
    const callsBefore = calls.length;
    // The worker claims the offer right after the resumer looked at the claims (the window the look leaves).
    let claimed = false;
    const racing = new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (key !== 'openStepClaims' || typeof value !== 'function') {
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (runId: string) => {
          const rows = await store.openStepClaims(runId);
          if (!claimed) {
            claimed = true;
            expect(await store.claimStep(holder('w'), { nowMs: Date.now(), ttlMs: 60_000 })).toMatchObject({
              stepId: 'copy',
            });
          }
          return rows;
        };
      },
    });
    const executor = await resume('raced', racing);
    const refused = await executor.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(claimed).toBe(true);
    expect(refused).toMatchObject({ code: 'RUN_LOCKED' });
    expect((refused as TminusError).message).toMatch(
      /^run raced: worker w claimed step 'copy' while this process was taking the run over/,
    );
    expect(await store.readEvents('raced')).toEqual(before);
    expect(calls).toHaveLength(callsBefore);
    // The run's lease was given back: the worker (or a later resume) can take the run.
    expect(
      await store.acquireLease('raced', holder('other'), { nowMs: Date.now(), ttlMs: 1_000 }),
    ).toMatchObject({ ok: true });
  });
});
