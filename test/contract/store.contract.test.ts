import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/core/run/run-event.js';
import type { RunEvent } from '../../src/core/run/run-event.js';
import type { JournalVerdict } from '../../src/store/journal/journal-audit.js';
import { memoryKeyring } from '../../src/store/journal/journal-key.js';
import { legacyEventHash } from '../../src/store/journal/journal-seal.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import type { RunStore } from '../../src/store/store.js';
import { hasStepClaims } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

interface Handle {
  readonly store: RunStore;
  /** A second handle on the same data (another process's view). */
  reopen(): Promise<RunStore>;
  /** Changes the data behind the store's back, every guard (trigger) dropped (an attacker with SQL access). */
  tamper(sql: string): Promise<void>;
  /** Runs SQL as is, guards in place. */
  raw(sql: string): Promise<void>;
  /** The same data opened on another machine: without this machine's journal key and witness. */
  elsewhere(): Promise<RunStore>;
}

interface Backend {
  readonly name: string;
  /** A fresh, empty store. */
  open(): Promise<Handle>;
  /** A store at the schema of tminus before journal keys, holding what `setup` (raw SQL) writes. */
  openLegacy(setup: string): Promise<Handle>;
  cleanup?(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'tminus-contract-'));
let n = 0;
const pgDatabases: TestDatabase[] = [];
const elsewhere = () => ({ keyring: memoryKeyring(), witnessDir: undefined });

function sqliteHandle(path: string): Handle {
  const exec = (sql: string, dropGuards: boolean) => {
    const db = new Database(path);
    try {
      if (dropGuards) {
        const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all();
        for (const t of triggers as { name: string }[]) db.exec(`DROP TRIGGER ${t.name}`);
      }
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  return {
    store: SqliteStore.open(path),
    reopen: () => Promise.resolve(SqliteStore.open(path)),
    elsewhere: () => Promise.resolve(SqliteStore.open(path, { journal: elsewhere() })),
    raw: async (sql) => {
      await Promise.resolve();
      exec(sql, false);
    },
    tamper: async (sql) => {
      await Promise.resolve();
      exec(sql, true);
    },
  };
}

/** `options`: the store URL's own query parameters (e.g. `?prepared_statements=off`), for the store only. */
async function pgHandle(url: string, options = ''): Promise<Handle> {
  const exec = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    store: await PostgresStore.open(url + options),
    reopen: () => PostgresStore.open(url + options),
    elsewhere: () => PostgresStore.open(url + options, elsewhere()),
    raw: exec,
    tamper: async (sql) => {
      await exec(`DO $$ DECLARE t record; BEGIN
        FOR t IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger WHERE NOT tgisinternal LOOP
          EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
        END LOOP; END $$;`);
      await exec(sql);
    },
  };
}

/** PostgreSQL, with the store URL's own parameters `options` (the default store, or with the pooler opt-out). */
function postgresBackend(name: string, options: string): Backend {
  return {
    name,
    async open() {
      const db = await createPostgresDatabase('tminus_store');
      pgDatabases.push(db);
      return pgHandle(db.url, options);
    },
    async openLegacy(setup) {
      const db = await createPostgresDatabase('tminus_store');
      pgDatabases.push(db);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(
        `CREATE TABLE tminus_schema (version integer NOT NULL); INSERT INTO tminus_schema VALUES (1); ${PG_MIGRATIONS[0]!}`,
      );
      await c.query(setup);
      await c.end();
      return pgHandle(db.url, options);
    },
    async cleanup() {
      await Promise.all(pgDatabases.splice(0).map((db) => db.drop()));
    },
  };
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    open: () => Promise.resolve(sqliteHandle(join(dir, `store-${++n}.db`))),
    openLegacy(setup) {
      const path = join(dir, `store-${++n}.db`);
      const db = new Database(path);
      db.exec(MIGRATIONS[0]! + MIGRATIONS[1]!);
      db.pragma('user_version = 2');
      db.exec(setup);
      db.close();
      return Promise.resolve(sqliteHandle(path));
    },
  },
  postgresBackend('postgres', ''),
  // Named prepared statements off (behind a pooler in transaction mode): the same contract.
  postgresBackend('postgres, prepared_statements=off', '?prepared_statements=off'),
];

/** SQL that re-chains run r1 with the unkeyed SHA-256 anyone can compute (a forger without the key). */
function rechainUnkeyed(events: readonly RunEvent[]): string {
  let prev = GENESIS_HASH;
  const sql: string[] = [];
  for (const e of events) {
    const hash = legacyEventHash(prev, e);
    sql.push(
      `UPDATE events SET prev_hash = '${prev}', hash = '${hash}' WHERE run_id = 'r1' AND seq = ${e.seq};`,
    );
    prev = hash;
  }
  sql.push(`UPDATE runs SET head_hash = '${prev}' WHERE run_id = 'r1';`);
  return sql.join('\n');
}

/** A legacy (pre-key) run `old` of two events, as raw SQL. */
function legacyRunSql(): string {
  const bodies = [runStarted(), ev({ type: 'gate.voted', gateId: 'g', vote: 'go' }, 2_000, 'alice')];
  let prev = GENESIS_HASH;
  const rows = bodies.map((b, i) => {
    const body = { runId: 'old', seq: i + 1, atMs: b.atMs, actor: b.actor, data: b.data };
    const hash = legacyEventHash(prev, body);
    const row = `('old', ${i + 1}, ${b.atMs}, '${b.actor}', '${b.data.type}', '${JSON.stringify(b.data)}', '${prev}', '${hash}')`;
    prev = hash;
    return row;
  });
  return `INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash) VALUES ('old', 'shop', 1000, 2, '${prev}');
    INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash) VALUES ${rows.join(', ')};`;
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const b of BACKENDS) await b.cleanup?.();
}, 180_000);

for (const backend of BACKENDS) {
  describe(`store contract: ${backend.name}`, () => {
    let h: Handle;
    const opened: RunStore[] = [];
    beforeEach(async () => {
      h = await backend.open();
      opened.push(h.store);
    }, 60_000);
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('creates a run whose first event is numbered 1 and chained to the genesis hash', async () => {
      const [first] = await h.store.createRun('r1', [runStarted()]);
      expect(first?.seq).toBe(1);
      expect(first?.prevHash).toBe(GENESIS_HASH);
      expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await h.store.listRuns()).toEqual([
        { runId: 'r1', planName: 'shop', createdAtMs: 1_000, lastSeq: 1, ended: false },
      ]);
    });

    it('refuses to create the same run twice', async () => {
      await h.store.createRun('r1', [runStarted()]);
      await expect(h.store.createRun('r1', [runStarted()])).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    });

    it('appends events in order and reads them back after a given sequence number', async () => {
      await h.store.createRun('r1', [runStarted()]);
      const r = await h.store.append('r1', 1, [
        ev({ type: 'step.started', stepId: 'a', attempt: 1 }),
        ev({ type: 'step.succeeded', stepId: 'a', attempt: 1, summary: 'ok' }, 3_000),
      ]);
      expect(r.ok).toBe(true);
      const all = await h.store.readEvents('r1');
      expect(all.map((e) => [e.seq, e.data.type])).toEqual([
        [1, 'run.started'],
        [2, 'step.started'],
        [3, 'step.succeeded'],
      ]);
      expect((await h.store.readEvents('r1', 2)).map((e) => e.seq)).toEqual([3]);
      expect((await h.store.readEvents('r1', 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await h.store.verifyJournal('r1')).toMatchObject({ status: 'intact', findings: [] });
    });

    it('refuses an append made on a stale view and appends nothing of it', async () => {
      await h.store.createRun('r1', [runStarted()]);
      const other = await h.reopen();
      const a = await h.store.append('r1', 1, [ev({ type: 'step.completed', stepId: 'x' }, 2_000, 'bob')]);
      const b = await other.append('r1', 1, [ev({ type: 'step.completed', stepId: 'x' }, 2_000, 'carol')]);
      expect(a.ok).toBe(true);
      expect(b).toEqual({ ok: false, lastSeq: 2 });
      const events = await other.readEvents('r1');
      expect(events.filter((e) => e.data.type === 'step.completed').map((e) => e.actor)).toEqual(['bob']);
      await other.close();
    });

    it('marks a run ended in the listing once run.ended is appended', async () => {
      await h.store.createRun('r1', [runStarted()]);
      await h.store.append('r1', 1, [ev({ type: 'run.ended', outcome: 'aborted' })]);
      expect((await h.store.listRuns())[0]?.ended).toBe(true);
    });

    it('lists runs most recent first', async () => {
      await h.store.createRun('old', [runStarted({ planName: 'a' })]);
      await h.store.createRun('new', [{ ...runStarted({ planName: 'b' }), atMs: 5_000 }]);
      expect((await h.store.listRuns()).map((r) => r.runId)).toEqual(['new', 'old']);
    });

    it('reports an unknown run on append', async () => {
      await expect(h.store.append('nope', 0, [ev({ type: 'run.paused' })])).rejects.toMatchObject({
        code: 'RUN_NOT_FOUND',
      });
      expect(await h.store.readEvents('nope')).toEqual([]);
      expect(await h.store.head('nope')).toBeUndefined();
    });

    it('gives a run lease to one holder at a time until it expires or is released', async () => {
      await h.store.createRun('r1', [runStarted()]);
      const a = { id: 'a', pid: 1, host: 'h' };
      const b = { id: 'b', pid: 2, host: 'h' };
      expect(await h.store.acquireLease('r1', a, { nowMs: 0, ttlMs: 1000 })).toEqual({
        ok: true,
        epoch: expect.any(Number) as number,
      });
      expect(await h.store.acquireLease('r1', b, { nowMs: 500, ttlMs: 1000 })).toEqual({
        ok: false,
        holder: a,
        expiresAtMs: 1000,
      });
      expect(await h.store.renewLease('r1', 'a', 900, 1000)).toBe(true);
      expect((await h.store.acquireLease('r1', b, { nowMs: 1500, ttlMs: 1000 })).ok).toBe(false);
      expect((await h.store.acquireLease('r1', b, { nowMs: 2000, ttlMs: 1000 })).ok).toBe(true);
      expect(await h.store.renewLease('r1', 'a', 2100, 1000)).toBe(false);
      expect(await h.store.leaseOf('r1')).toEqual({ holder: b, expiresAtMs: 3000 });
      await h.store.releaseLease('r1', 'b');
      expect(await h.store.leaseOf('r1')).toBeUndefined();
      expect((await h.store.acquireLease('r1', a, { nowMs: 2200, ttlMs: 1000 })).ok).toBe(true);
    });

    it('numbers every grant with a new epoch and says whose unreleased lease a grant replaced', async () => {
      await h.store.createRun('r1', [runStarted()]);
      const a = { id: 'a', pid: 1, host: 'h' };
      const b = { id: 'b', pid: 2, host: 'h' };
      const first = await h.store.acquireLease('r1', a, { nowMs: 0, ttlMs: 1000 });
      if (!first.ok) throw new Error('not granted');
      expect(first.replaced).toBeUndefined();
      expect(await h.store.leaseEpoch('r1')).toBe(first.epoch);
      const second = await h.store.acquireLease('r1', b, { nowMs: 1000, ttlMs: 1000 });
      if (!second.ok) throw new Error('not granted');
      expect(second.epoch).toBeGreaterThan(first.epoch);
      expect(second.replaced).toEqual({ holder: a, epoch: first.epoch, expiresAtMs: 1000 });
      await h.store.releaseLease('r1', 'b');
      expect(await h.store.leaseEpoch('r1')).toBeUndefined();
      const third = await h.store.acquireLease('r1', a, { nowMs: 1500, ttlMs: 1000 });
      if (!third.ok) throw new Error('not granted');
      // Released, so nothing was taken over; the epoch still never goes back.
      expect(third.replaced).toBeUndefined();
      expect(third.epoch).toBeGreaterThan(second.epoch);
    });

    it('applies a fenced append only while its holder has the lease at that epoch, and records a refused one', async () => {
      await h.store.createRun('r1', [runStarted()]);
      const a = { id: 'a', pid: 1, host: 'h' };
      const b = { id: 'b', pid: 2, host: 'h' };
      const ga = await h.store.acquireLease('r1', a, { nowMs: 0, ttlMs: 1000 });
      if (!ga.ok) throw new Error('not granted');
      const fenceA = { holderId: 'a', epoch: ga.epoch };
      const started = ev({ type: 'step.started', stepId: 's', attempt: 1 }, 1_500);
      expect(await h.store.append('r1', 1, [started], fenceA)).toMatchObject({ ok: true });
      const gb = await h.store.acquireLease('r1', b, { nowMs: 2000, ttlMs: 1000 });
      if (!gb.ok) throw new Error('not granted');
      const late = ev({ type: 'step.succeeded', stepId: 's', attempt: 1, summary: 'done late' }, 1_000);
      const r = await h.store.append('r1', 2, [late], fenceA);
      expect(r.ok).toBe(false);
      if (r.ok || !r.rejected) throw new Error('not rejected');
      expect(r.rejected).toMatchObject({
        seq: 3,
        actor: 'system',
        // never before the run's last event
        atMs: 1_500,
        data: {
          type: 'append.rejected',
          holder: 'a',
          epoch: ga.epoch,
          current: { holder: 'b', epoch: gb.epoch },
          refused: [late.data],
        },
      });
      // Refused even with an out-of-date expected seq: the record is kept whatever the writer believed.
      const again = await h.store.append('r1', 1, [late], fenceA);
      expect(again).toMatchObject({ ok: false, lastSeq: 4, rejected: { seq: 4 } });
      // The same holder id with the current epoch of someone else is refused too (the epoch is checked).
      const wrongEpoch = await h.store.append('r1', 4, [late], { holderId: 'b', epoch: ga.epoch });
      expect(wrongEpoch).toMatchObject({ ok: false, rejected: { seq: 5 } });
      const fenceB = { holderId: 'b', epoch: gb.epoch };
      expect(await h.store.append('r1', 5, [late], fenceB)).toMatchObject({ ok: true });
      expect((await h.store.readEvents('r1')).map((e) => e.data.type)).toEqual([
        'run.started',
        'step.started',
        'append.rejected',
        'append.rejected',
        'append.rejected',
        'step.succeeded',
      ]);
      expect(await h.store.verifyJournal('r1')).toMatchObject({ status: 'intact' });
    });

    it('lets each worker claim a different unfinished run, and an expired one again', async () => {
      await h.store.createRun('r1', [ev(runStarted().data, 1)]);
      await h.store.createRun('r2', [ev(runStarted().data, 2)]);
      await h.store.createRun('r3', [ev(runStarted().data, 3)]);
      await h.store.append('r3', 1, [ev({ type: 'run.ended', outcome: 'completed' }, 4)]);
      const w = (id: string) => ({ id, pid: 1, host: 'h' });
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((id) => h.store.claimRun(w(id), { nowMs: 10, ttlMs: 1000 })),
      );
      const claimed = claims.filter((c) => c !== undefined).map((c) => c.runId);
      // Two unfinished runs, three workers: each run claimed once, the ended one never.
      expect(claimed.sort()).toEqual(['r1', 'r2']);
      expect(await h.store.claimRun(w('d'), { nowMs: 500, ttlMs: 1000 })).toBeUndefined();
      const taken = await h.store.claimRun(w('d'), { nowMs: 1010, ttlMs: 1000 });
      expect(taken).toMatchObject({ runId: 'r1', replaced: { expiresAtMs: 1010 } });
    });

    describe.runIf(backend.name.startsWith('postgres'))(
      'step claims (several workers execute one run)',
      () => {
        const w = (id: string) => ({ id, pid: 1, host: 'h' });
        /** r1 driven by `d` (its lease at the returned fence) with steps a, b, c started at attempt 1. */
        const started = async () => {
          if (!hasStepClaims(h.store)) throw new Error('this store has no step claims');
          await h.store.createRun('r1', [runStarted()]);
          const g = await h.store.acquireLease('r1', w('d'), { nowMs: 0, ttlMs: 60_000 });
          if (!g.ok) throw new Error('not granted');
          const fence = { holderId: 'd', epoch: g.epoch };
          const steps = ['a', 'b', 'c'].map((stepId) => ({ stepId, attempt: 1 }));
          await h.store.append(
            'r1',
            1,
            steps.map((s) => ev({ type: 'step.started', ...s })),
            fence,
          );
          expect(await h.store.offerSteps('r1', steps, fence)).toBe(true);
          return { claims: h.store, fence, steps };
        };
        const succeeded = (stepId: string) =>
          ev({ type: 'step.succeeded', stepId, attempt: 1, summary: 'ok' });

        it('gives each worker a different offered step, each with its own epoch, and none twice', async () => {
          const { claims, fence, steps } = await started();
          expect(await claims.runsWithOfferedSteps(8)).toEqual(['r1']);
          const got = await Promise.all(
            ['x', 'y', 'z', 'v'].map((id) => claims.claimStep(w(id), { nowMs: 10, ttlMs: 1000 })),
          );
          const claimed = got.filter((c) => c !== undefined);
          expect(claimed.map((c) => c.stepId).sort()).toEqual(['a', 'b', 'c']);
          expect(new Set(claimed.map((c) => c.epoch)).size).toBe(3);
          expect(await claims.claimStep(w('v'), { nowMs: 20, ttlMs: 1000 })).toBeUndefined();
          expect(await claims.runsWithOfferedSteps(8)).toEqual([]);
          // Offering again (a driver that looks twice) changes nothing.
          await claims.offerSteps('r1', steps, fence);
          expect(await claims.claimStep(w('v'), { nowMs: 30, ttlMs: 1000 })).toBeUndefined();
          expect((await claims.openStepClaims('r1')).map((c) => c.state)).toEqual([
            'claimed',
            'claimed',
            'claimed',
          ]);
        });

        it('refuses offers from a driver that lost the run', async () => {
          const { claims, fence } = await started();
          const g = await h.store.acquireLease('r1', w('e'), { nowMs: 60_001, ttlMs: 60_000 });
          expect(g.ok).toBe(true);
          expect(await claims.offerSteps('r1', [{ stepId: 'd', attempt: 1 }], fence)).toBe(false);
          expect((await claims.openStepClaims('r1')).map((c) => c.stepId)).toEqual(['a', 'b', 'c']);
        });

        it('records a result fenced on its claim once, and marks the claim done', async () => {
          const { claims } = await started();
          const claim = (await claims.claimStep(w('x'), { nowMs: 10, ttlMs: 1000 }))!;
          expect(await claims.renewStepClaim(claim, 500, 1000)).toBe(true);
          // Another append came first: the result is not applied, the caller reads and decides again.
          expect(await claims.appendStepResult(claim, 1, [succeeded(claim.stepId)])).toEqual({
            ok: false,
            lastSeq: 4,
          });
          const r = await claims.appendStepResult(claim, 4, [succeeded(claim.stepId)]);
          expect(r).toMatchObject({ ok: true, events: [{ seq: 5 }] });
          expect((await claims.openStepClaims('r1')).map((c) => c.stepId)).not.toContain(claim.stepId);
          expect(await claims.renewStepClaim(claim, 600, 1000)).toBe(false);
        });

        it('revokes a claim only once its lease ran out; the late result is kept as rejected, not applied', async () => {
          const { claims } = await started();
          const claim = (await claims.claimStep(w('x'), { nowMs: 10, ttlMs: 1000 }))!;
          const step = { runId: 'r1', stepId: claim.stepId, attempt: 1 };
          expect(await claims.revokeStepClaim(step, 1009)).toBeUndefined();
          const revoked = await claims.revokeStepClaim(step, 1010);
          expect(revoked).toEqual({ holder: w('x'), epoch: claim.epoch, expiresAtMs: 1010 });
          // Looking again (a driver that stopped before recording the take-over) finds it revoked still.
          expect(await claims.revokeStepClaim(step, 2000)).toEqual(revoked);
          expect(await claims.renewStepClaim(claim, 1500, 1000)).toBe(false);
          expect(await claims.dropStepClaim(claim)).toBe(false);
          const r = await claims.appendStepResult(claim, 4, [succeeded(claim.stepId)]);
          expect(r).toMatchObject({ ok: false, lastSeq: 5 });
          expect(r.ok ? undefined : r.rejected?.data).toEqual({
            type: 'append.rejected',
            holder: 'x',
            epoch: claim.epoch,
            step: { stepId: claim.stepId, attempt: 1 },
            refused: [succeeded(claim.stepId).data],
          });
          const events = await h.store.readEvents('r1');
          expect(events.map((e) => e.data.type)).not.toContain('step.succeeded');
          expect(await h.store.verifyJournal('r1')).toMatchObject({ status: 'intact' });
        });

        it('withdraws an offer nobody claimed, never one a worker holds', async () => {
          const { claims, steps } = await started();
          const claim = (await claims.claimStep(w('x'), { nowMs: 10, ttlMs: 1000 }))!;
          const [held, free] = [
            steps.find((s) => s.stepId === claim.stepId)!,
            steps.find((s) => s.stepId !== claim.stepId)!,
          ];
          expect(await claims.withdrawStepOffer({ runId: 'r1', ...held })).toBe(false);
          expect(await claims.withdrawStepOffer({ runId: 'r1', ...free })).toBe(true);
          expect(await claims.withdrawStepOffer({ runId: 'r1', ...free })).toBe(false);
          expect(await claims.withdrawStepOffer({ runId: 'r1', stepId: 'nope', attempt: 1 })).toBe(false);
          const open = await claims.openStepClaims('r1');
          expect(open.map((c) => c.stepId)).toContain(claim.stepId);
          expect(open.map((c) => c.stepId)).not.toContain(free.stepId);
          const claimedAfter: string[] = [];
          for (let c = await claims.claimStep(w('y'), { nowMs: 20, ttlMs: 1000 }); c;) {
            claimedAfter.push(c.stepId);
            c = await claims.claimStep(w('y'), { nowMs: 20, ttlMs: 1000 });
          }
          expect(claimedAfter).not.toContain(free.stepId);
          expect(await claims.renewStepClaim(claim, 500, 1000)).toBe(true);
        });

        it('never hands out the steps of an ended run, nor a step dropped by its worker', async () => {
          const { claims } = await started();
          const claim = (await claims.claimStep(w('x'), { nowMs: 10, ttlMs: 1000 }))!;
          expect(await claims.dropStepClaim(claim)).toBe(true);
          expect((await claims.openStepClaims('r1')).map((c) => c.stepId)).not.toContain(claim.stepId);
          await h.store.append('r1', 4, [ev({ type: 'run.ended', outcome: 'aborted' })], {
            holderId: 'd',
            epoch: (await h.store.leaseEpoch('r1'))!,
          });
          expect(await claims.claimStep(w('y'), { nowMs: 20, ttlMs: 1000 })).toBeUndefined();
        });
      },
    );

    it('lets a caller take over a lease whose holder it knows is dead', async () => {
      await h.store.createRun('r1', [runStarted()]);
      await h.store.acquireLease('r1', { id: 'a', pid: 1, host: 'h' }, { nowMs: 0, ttlMs: 60_000 });
      const r = await h.store.acquireLease(
        'r1',
        { id: 'b', pid: 2, host: 'h' },
        { nowMs: 10, ttlMs: 60_000, holderIsDead: (x) => x.pid === 1 },
      );
      expect(r.ok).toBe(true);
    });

    it('keeps everything after the store is closed and opened again', async () => {
      await h.store.createRun('r1', [runStarted()]);
      await h.store.append('r1', 1, [ev({ type: 'gate.voted', gateId: 'g', vote: 'go' }, 2_000, 'alice')]);
      await h.store.close();
      const again = await h.reopen();
      const events = await again.readEvents('r1');
      expect(events.map((e) => e.data)).toContainEqual({ type: 'gate.voted', gateId: 'g', vote: 'go' });
      expect(await again.verifyJournal('r1')).toMatchObject({ status: 'intact', findings: [] });
      await again.close();
    });

    /** A finished run r1 of five events; the store is closed afterwards (the attacker works on the data). */
    const finishedRun = async () => {
      await h.store.createRun('r1', [runStarted()]);
      await h.store.append('r1', 1, [
        ev({ type: 'gate.voted', gateId: 'g', vote: 'no-go', reason: 'not ready' }, 2_000, 'carol'),
        ev({ type: 'step.started', stepId: 'a', attempt: 1 }),
        ev({ type: 'step.succeeded', stepId: 'a', attempt: 1, summary: 'ok' }),
        ev({ type: 'run.ended', outcome: 'completed' }),
      ]);
      await h.store.close();
    };
    const verdict = async (): Promise<JournalVerdict> => {
      const s = await h.reopen();
      try {
        return await s.verifyJournal('r1');
      } finally {
        await s.close();
      }
    };
    const events = async () => {
      const s = await h.reopen();
      try {
        return await s.readEvents('r1');
      } finally {
        await s.close();
      }
    };
    const finding = (kind: string, seq: number, message?: RegExp) =>
      expect.objectContaining({ kind, seq, ...(message ? { message: expect.stringMatching(message) } : {}) });

    it('guards every table the chain depends on against ordinary SQL', async () => {
      await finishedRun();
      await expect(h.raw(`UPDATE events SET actor = 'alice' WHERE seq = 2`)).rejects.toThrow('append-only');
      await expect(h.raw(`DELETE FROM events WHERE seq = 5`)).rejects.toThrow('append-only');
      await expect(h.raw(`UPDATE runs SET head_seq = 4 WHERE run_id = 'r1'`)).rejects.toThrow(
        'moves forward',
      );
      await expect(h.raw(`UPDATE runs SET ended = false WHERE run_id = 'r1'`)).rejects.toThrow(
        'moves forward',
      );
      await expect(h.raw(`DELETE FROM runs WHERE run_id = 'r1'`)).rejects.toThrow('append-only');
      await expect(
        h.raw(`INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash)
               VALUES ('r1', 9, 0, 'x', 'run.paused', '{"type":"run.paused"}', 'x', 'y')`),
      ).rejects.toThrow('in order');
      await expect(h.raw(`UPDATE journal SET key_id = 'mine'`)).rejects.toThrow('written once');
      await expect(h.raw(`DELETE FROM journal`)).rejects.toThrow('written once');
      expect(await verdict()).toMatchObject({ status: 'intact', events: 5, witnessedSeq: 5, findings: [] });
    });

    it("keeps a compressed rehearsal event's wall time with it, sealed: an edited wall time is named", async () => {
      // No column and no migration: the wall time travels in the event body, under its hash and seal.
      await h.store.createRun('r1', [runStarted({ speed: 2000, wallMs: 1_000 })]);
      await h.store.append('r1', 1, [
        ev({ type: 'gate.voted', gateId: 'g', vote: 'go', wallMs: 1_700_000_000_123 }, 3_600_000, 'alice'),
        ev({ type: 'run.ended', outcome: 'completed', wallMs: 1_700_000_000_456 }, 3_700_000),
      ]);
      await h.store.close();
      const again = await h.reopen();
      const [started, voted] = await again.readEvents('r1');
      await again.close();
      expect(started?.data.wallMs).toBe(1_000);
      expect(voted).toMatchObject({ atMs: 3_600_000, data: { wallMs: 1_700_000_000_123 } });
      expect(await verdict()).toMatchObject({ status: 'intact', findings: [] });
      await h.tamper(
        `UPDATE events SET data = replace(data, '1700000000123', '1700000099123') WHERE seq = 2`,
      );
      const v = await verdict();
      expect(v.status).toBe('tampered');
      expect(v.findings).toContainEqual(
        finding('changed', 2, /^event 2: content changed after it was written$/),
      );
    });

    it('names an event edited with the guards dropped, and says the guards are gone', async () => {
      await finishedRun();
      await h.tamper(`UPDATE events SET data = replace(data, 'no-go', 'go') WHERE seq = 2`);
      const v = await verdict();
      expect(v.status).toBe('tampered');
      expect(v.findings).toContainEqual(
        finding('changed', 2, /^event 2: content changed after it was written$/),
      );
      expect(v.findings).toContainEqual(expect.objectContaining({ kind: 'guards' }));
    });

    it('names the edited event when the chain was recomputed without the key', async () => {
      await finishedRun();
      await h.tamper(
        `UPDATE events SET data = replace(data, 'not ready', 'approved by CAB (forged)') WHERE seq = 2`,
      );
      await h.tamper(rechainUnkeyed(await events()));
      const v = await verdict();
      expect(v.status).toBe('tampered');
      expect(v.findings.filter((f) => f.kind !== 'guards')).toEqual([
        finding(
          'rehashed',
          1,
          /^event 1: hash chain recomputed without the journal key \(an unkeyed SHA-256 chain\)/,
        ),
        finding('changed', 2, /^event 2: content changed/),
        finding('rehashed', 3, /^events 3–5: hash chain recomputed/),
      ]);
    });

    it('detects a deleted tail whose head was fixed, from the witness', async () => {
      await finishedRun();
      await h.tamper(`DELETE FROM events WHERE run_id = 'r1' AND seq >= 4;
        UPDATE runs SET head_seq = 3, ended = false,
          head_hash = (SELECT hash FROM events WHERE run_id = 'r1' AND seq = 3) WHERE run_id = 'r1';`);
      const v = await verdict();
      expect(v.status).toBe('tampered');
      expect(v.findings).toContainEqual(
        finding(
          'deleted',
          4,
          /^events 4–5 deleted: the witness .* saw the journal reach event 5, it now ends at event 3$/,
        ),
      );
    });

    it('detects an inserted event and names it', async () => {
      await finishedRun();
      const [, second] = await events();
      await h.tamper(`UPDATE events SET seq = seq + 1000 WHERE run_id = 'r1' AND seq >= 3;
        UPDATE events SET seq = seq - 999 WHERE run_id = 'r1' AND seq >= 1000;
        INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac)
          VALUES ('r1', 3, 2000, 'alice', 'check.signed', '{"type":"check.signed","itemId":"x"}',
                  '${second!.hash}', '${'f'.repeat(64)}', '${'e'.repeat(64)}');
        UPDATE runs SET head_seq = 6, head_hash = (SELECT hash FROM events WHERE run_id = 'r1' AND seq = 6);`);
      const v = await verdict();
      expect(v.findings).toContainEqual(
        finding('inserted', 3, /^event 3 was not written by tminus: inserted$/),
      );
      expect(v.findings).toContainEqual(
        finding('inserted', 4, /^events 4–6 renumbered: each was written 1 place earlier/),
      );
    });

    it('detects reordered events', async () => {
      await finishedRun();
      await h.tamper(`UPDATE events SET seq = 100 WHERE run_id = 'r1' AND seq = 3;
        UPDATE events SET seq = 3 WHERE run_id = 'r1' AND seq = 4;
        UPDATE events SET seq = 4 WHERE run_id = 'r1' AND seq = 100;`);
      const v = await verdict();
      expect(v.findings).toContainEqual(
        finding(
          'reordered',
          3,
          /^events reordered: event 3 was written as event 4, event 4 was written as event 3$/,
        ),
      );
    });

    it('detects a forged event appended at the end with the head moved', async () => {
      await finishedRun();
      const last = (await events()).at(-1)!;
      await h.tamper(`INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash)
          VALUES ('r1', 6, 9000, 'alice', 'run.paused', '{"type":"run.paused"}', '${last.hash}', '${'a'.repeat(64)}');
        UPDATE runs SET head_seq = 6, head_hash = '${'a'.repeat(64)}' WHERE run_id = 'r1';`);
      const v = await verdict();
      expect(v.findings).toContainEqual(
        finding(
          'appended',
          6,
          /^event 6 was not written by tminus: appended after event 5 \(its seal was removed\)$/,
        ),
      );
    });

    it('never calls a journal intact on a machine without its key, and writes nothing there', async () => {
      await finishedRun();
      const copy = await h.elsewhere();
      try {
        const v = await copy.verifyJournal('r1');
        expect(v.status).toBe('unverifiable');
        expect(v.notes[0]).toMatch(
          /^unverifiable: key missing — the journal is sealed with key [0-9a-f]{16}/,
        );
        await expect(copy.append('r1', 5, [ev({ type: 'run.paused' })])).rejects.toMatchObject({
          code: 'JOURNAL_KEY_MISSING',
        });
        await expect(copy.createRun('r2', [runStarted()])).rejects.toMatchObject({
          code: 'JOURNAL_KEY_MISSING',
        });
      } finally {
        await copy.close();
      }
      expect((await events()).length).toBe(5);
    });

    it('opens a store written before journal keys: old runs verify as legacy, new runs are keyed', async () => {
      await h.store.close();
      h = await backend.openLegacy(legacyRunSql());
      opened.push(h.store);
      expect(await h.store.verifyJournal('old')).toMatchObject({ status: 'legacy', events: 2, findings: [] });
      expect((await h.store.append('old', 2, [ev({ type: 'run.paused' })])).ok).toBe(true);
      expect(await h.store.verifyJournal('old')).toMatchObject({ status: 'legacy', events: 3, findings: [] });
      await h.store.createRun('new', [runStarted()]);
      expect(await h.store.verifyJournal('new')).toMatchObject({ status: 'intact', findings: [] });
      await h.store.close();
      await h.tamper(`UPDATE events SET actor = 'mallory' WHERE run_id = 'old' AND seq = 2`);
      const s = await h.reopen();
      expect((await s.verifyJournal('old')).findings).toContainEqual(finding('changed', 2));
      await s.close();
    });
  });
}
