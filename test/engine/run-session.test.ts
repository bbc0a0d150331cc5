import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/action-registry.js';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import type { Origin, RunEvent } from '../../src/core/run/run-event.js';
import type { TminusError } from '../../src/core/tminus-error.js';
import { Redactor } from '../../src/engine/redactor.js';
import type { NewRunContext, RunStarted } from '../../src/engine/run-session.js';
import { RunSession } from '../../src/engine/run-session.js';
import { SystemClock } from '../../src/engine/system-clock.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { RunStore } from '../../src/store/store.js';
import { ensureBuilt, spawnCli } from '../support/cli.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { testAction } from './test-actions.js';

const PLAN = `version: 1
name: door
title: One door
roles:
  lead: { title: Lead, members: [alice] }
  tech: { title: Tech, members: [bob, dave] }
checklist:
  infrastructure:
    - { id: target-ready, title: Target ready, owner: tech, check: CHECK }
phases:
  - id: start
    at: T-0
    tasks:
      - id: go-no-go
        type: gate
        voters: [lead, tech]
        quorum: all
      - { id: stop, title: Stop jobs, owner: tech }
rollback:
  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
`;

const PROBE_CHECK = "{ action: probe, with: { text: '${env:PROBE_TOKEN}' } }";
const ORIGIN: Origin = { via: 'api', tokenId: 'tok-1', clientAddress: '10.0.0.7' };
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A readiness check whose evidence depends on what the engine hands it: the resolved secret and the run. */
const probe = testAction('probe', true, [], (ctx, p) => ({
  summary: `ready (${ctx.run.stepId})`,
  output: { token: p.text, runId: ctx.run.runId, mode: ctx.run.mode, comms: ctx.run.comms },
}));

function contextFor(actions: 'probe' | 'builtin'): NewRunContext {
  const registry = actions === 'probe' ? new ActionRegistry().register(probe) : builtinActions();
  return {
    actions: registry,
    catalog: { types: [...ACTION_TYPES, ...registry.types()], checkParams: registry.catalog().checkParams },
    env: { PROBE_TOKEN: 'tok-s3cret-value' },
    realNow: () => Date.now(),
  };
}

function started(planText: string, goLiveMs: number): RunStarted {
  return {
    type: 'run.started',
    planName: 'door',
    planTitle: 'One door',
    planText,
    planPath: join(tmpdir(), 'plan.yaml'),
    mode: 'rehearsal',
    goLiveMs,
    dryRun: false,
    autoApprove: false,
    comms: 'test',
    speed: 1,
    rollbackSteps: ['declare'],
  };
}

/** A store whose next append lets `first` write before it (another process winning the race). */
function overtakenOnce(store: RunStore, first: () => Promise<unknown>): RunStore {
  let pending = true;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (...args: Parameters<RunStore['append']>) => {
          if (pending) {
            pending = false;
            await first();
          }
          return target.append(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const count = (events: readonly RunEvent[], type: string, id?: string) =>
  events.filter(
    (e) =>
      e.data.type === type &&
      (id === undefined ||
        ('stepId' in e.data ? e.data.stepId : 'gateId' in e.data ? e.data.gateId : '') === id),
  ).length;

interface Backend {
  readonly name: string;
  /** The store location (a SQLite file or a postgres:// URL) and a way to open another handle on it. */
  fresh(): Promise<{ location: string; open: () => Promise<RunStore> }>;
}

const dir = mkdtempSync(join(tmpdir(), 'tminus-session-'));
const pgDatabases: TestDatabase[] = [];
let n = 0;
const backends: Backend[] = [
  {
    name: 'sqlite',
    fresh() {
      const location = join(dir, `store-${++n}.db`);
      return Promise.resolve({ location, open: () => Promise.resolve(SqliteStore.open(location)) });
    },
  },
  {
    name: 'postgres',
    async fresh() {
      const db = await createPostgresDatabase('tminus_session');
      pgDatabases.push(db);
      return { location: db.url, open: () => PostgresStore.open(db.url) };
    },
  },
];

const opened: RunStore[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  for (const db of pgDatabases) await db.drop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)('the run session on $name', (backend) => {
  /** A run of PLAN (with `check`) whose manual task `stop` waits for people; two store handles on it. */
  async function setup(check = PROBE_CHECK, actions: 'probe' | 'builtin' = 'probe') {
    const { location, open } = await backend.fresh();
    const a = await open();
    const b = await open();
    opened.push(a, b);
    const planText = PLAN.replace('CHECK', check);
    const runId = `door-${++n}`;
    const ctx = contextFor(actions);
    const created = await RunSession.create(
      a,
      { runId, atMs: Date.now(), started: started(planText, Date.now() + 3_600_000) },
      ctx,
    );
    // What the executor writes when the task's turn comes: it now waits for its owners.
    const r = await a.append(runId, created.state.lastSeq, [
      { atMs: Date.now(), actor: 'system', data: { type: 'step.waiting', stepId: 'stop' } },
      { atMs: Date.now(), actor: 'system', data: { type: 'step.waiting', stepId: 'go-no-go' } },
    ]);
    expect(r.ok).toBe(true);
    return { location, a, b, runId, ctx, planText };
  }

  it('of two sessions completing the same task at once, one is recorded and the other told who did it', async () => {
    const { a, b, runId, ctx } = await setup();
    const sa = await RunSession.open(a, { runId }, ctx);
    const sb = await RunSession.open(b, { runId }, ctx);
    const results = await Promise.allSettled([
      sa.act('bob', ORIGIN, { kind: 'complete', stepId: 'stop' }),
      sb.act('dave', ORIGIN, { kind: 'complete', stepId: 'stop' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = (lost[0] as PromiseRejectedResult).reason as TminusError;
    expect(error.code).toBe('REFUSED');
    expect(error.message).toMatch(/'stop' is already succeeded \(by (bob|dave)\)/);
    const events = await sa.events();
    expect(count(events, 'step.completed', 'stop')).toBe(1);
    const completed = events.find((e) => e.data.type === 'step.completed')!;
    expect(completed.data.origin).toEqual(ORIGIN);
  });

  it('refuses a complete that a concurrent skip made invalid, and appends nothing', async () => {
    const { a, b, runId, ctx } = await setup();
    const other = await RunSession.open(b, { runId }, ctx);
    const racing = overtakenOnce(a, () =>
      other.act('dave', ORIGIN, { kind: 'skip', stepId: 'stop', reason: 'not needed tonight' }),
    );
    const session = await RunSession.open(racing, { runId }, ctx);
    expect(session.state.steps.stop?.status).toBe('waiting');
    await expect(session.act('bob', ORIGIN, { kind: 'complete', stepId: 'stop' })).rejects.toMatchObject({
      code: 'REFUSED',
      message: "'stop' is already skipped (by dave)",
    });
    const events = await other.events();
    expect(count(events, 'step.completed')).toBe(0);
    expect(count(events, 'step.skipped', 'stop')).toBe(1);
    expect(events.at(-1)?.data.type).toBe('step.skipped');
  });

  it('refuses a vote after a concurrent decision closed the gate, and appends nothing', async () => {
    const { a, b, runId, ctx } = await setup();
    const decide = async () => {
      const head = (await b.readEvents(runId)).at(-1)!;
      const r = await b.append(runId, head.seq, [
        {
          atMs: Date.now(),
          actor: 'system',
          data: { type: 'gate.decided', gateId: 'go-no-go', outcome: 'no-go', basis: 'timeout' },
        },
      ]);
      expect(r.ok).toBe(true);
    };
    const session = await RunSession.open(overtakenOnce(a, decide), { runId }, ctx);
    await expect(
      session.act('bob', ORIGIN, { kind: 'vote', gateId: 'go-no-go', vote: 'go' }),
    ).rejects.toMatchObject({ code: 'REFUSED', message: "gate 'go-no-go' is already decided: no-go" });
    const events = await session.events();
    expect(count(events, 'gate.voted')).toBe(0);
    expect(events.at(-1)?.data.type).toBe('gate.decided');
  });

  it('gives up with STORE_CONFLICT after a bounded number of overtaken tries, appending nothing', async () => {
    const { a, runId, ctx } = await setup();
    let tries = 0;
    const busy = new Proxy(a, {
      get(target, prop, receiver) {
        if (prop === 'append') {
          return async () => {
            tries++;
            const head = (await target.readEvents(runId)).at(-1)!;
            return { ok: false as const, lastSeq: head.seq };
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...x: unknown[]) => unknown).bind(target) : value;
      },
    });
    const session = await RunSession.open(busy, { runId }, ctx);
    const before = session.state.lastSeq;
    await expect(session.act('bob', ORIGIN, { kind: 'complete', stepId: 'stop' })).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
      message: expect.stringMatching(/kept changing under bob's complete: 50 tries/) as string,
    });
    expect(tries).toBe(50);
    expect((await a.readEvents(runId)).at(-1)?.seq).toBe(before);
  });

  it('records the same readiness evidence from the executor and from a check run by a person', async () => {
    const { a, runId, ctx } = await setup();
    const session = await RunSession.open(a, { runId }, ctx);
    const executor = await session.openExecutor({
      clock: new SystemClock(),
      redactor: new Redactor(),
      logger: quiet,
      pollMs: 50,
    });
    const driving = executor.run().catch(() => undefined);
    let fromExecutor: RunEvent | undefined;
    for (let i = 0; i < 400 && !fromExecutor; i++) {
      fromExecutor = (await session.events()).find((e) => e.data.type === 'check.recorded');
      if (!fromExecutor) await new Promise((r) => setTimeout(r, 50));
    }
    executor.crash();
    await driving;
    expect(fromExecutor, 'the executor recorded the check').toBeDefined();
    const recorded = await session.runChecks(ORIGIN);
    const fromPerson = (await session.events()).filter((e) => e.data.type === 'check.recorded').at(-1)!;
    expect(fromPerson.seq).toBeGreaterThan(fromExecutor!.seq);
    const { origin, ...personData } = fromPerson.data;
    expect(origin).toEqual(ORIGIN);
    expect(personData).toEqual(fromExecutor!.data);
    expect(recorded[0]).toEqual(fromExecutor!.data);
    expect(fromExecutor!.data).toMatchObject({
      itemId: 'target-ready',
      ok: true,
      summary: 'ready (target-ready)',
      evidence: { token: '***', runId, mode: 'rehearsal', comms: 'test' },
    });
  });

  it('two real processes completing the same task: exactly one is recorded, the other exits 1 saying who did', async () => {
    const { location, a, runId } = await setup("{ action: shell, with: { run: 'true' } }", 'builtin');
    const env = { TMINUS_STORE: location };
    const cmd = (who: string) =>
      spawnCli(['complete', 'stop', '--as', who, '--run', runId], { cwd: dir, env });
    const [bob, dave] = [cmd('bob'), cmd('dave')];
    const codes = await Promise.all([bob.exited, dave.exited]);
    expect([...codes].sort()).toEqual([0, 1]);
    const loser = codes[0] === 1 ? bob : dave;
    expect(loser.output()).toMatch(/'stop' is already succeeded \(by (bob|dave)\)/);
    expect(loser.output()).toContain(`run ${runId} (plan door`);
    const events = await a.readEvents(runId);
    expect(count(events, 'step.completed', 'stop')).toBe(1);
    const origin = events.find((e) => e.data.type === 'step.completed')?.data.origin;
    expect(origin).toMatchObject({ via: 'cli', pid: (codes[0] === 0 ? bob : dave).child.pid });
  }, 60_000);
});
