import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/core/run-event.js';
import { verifyChain } from '../../src/store/event-hash.js';
import type { RunStore } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

interface Handle {
  readonly store: RunStore;
  /** A second handle on the same data (another process's view). */
  reopen(): Promise<RunStore>;
  /** Changes the data behind the store's back, append-only guards removed (an attacker with SQL access). */
  tamper(sql: string): Promise<void>;
  /** Runs SQL as is, guards in place. */
  raw(sql: string): Promise<void>;
}

interface Backend {
  readonly name: string;
  /** A fresh, empty store. */
  open(): Promise<Handle>;
  cleanup?(): Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'tminus-contract-'));
let n = 0;
const pgDatabases: TestDatabase[] = [];
const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    open() {
      const path = join(dir, `store-${++n}.db`);
      return Promise.resolve({
        store: SqliteStore.open(path),
        reopen: () => Promise.resolve(SqliteStore.open(path)),
        raw: async (sql) => {
          await Promise.resolve();
          const db = new Database(path);
          try {
            db.exec(sql);
          } finally {
            db.close();
          }
        },
        tamper: (sql) => {
          const db = new Database(path);
          db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
          db.exec(sql);
          db.close();
          return Promise.resolve();
        },
      });
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createPostgresDatabase('tminus_store');
      pgDatabases.push(db);
      return {
        store: await PostgresStore.open(db.url),
        reopen: () => PostgresStore.open(db.url),
        raw: async (sql) => {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          try {
            await c.query(sql);
          } finally {
            await c.end();
          }
        },
        tamper: async (sql) => {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          await c.query(
            'DROP TRIGGER IF EXISTS events_no_update ON events; DROP TRIGGER IF EXISTS events_no_delete ON events;',
          );
          await c.query(sql);
          await c.end();
        },
      };
    },
    async cleanup() {
      for (const db of pgDatabases.splice(0)) await db.drop();
    },
  },
];

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const b of BACKENDS) await b.cleanup?.();
}, 60_000);

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
      expect(verifyChain(all, await h.store.head('r1'))).toEqual([]);
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
      expect(await h.store.acquireLease('r1', a, { nowMs: 0, ttlMs: 1000 })).toEqual({ ok: true });
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
      expect(verifyChain(events, await again.head('r1'))).toEqual([]);
      await again.close();
    });

    it('refuses to edit or delete events through ordinary SQL, and verification catches it when forced', async () => {
      await h.store.createRun('r1', [runStarted()]);
      await h.store.append('r1', 1, [
        ev({ type: 'gate.voted', gateId: 'g', vote: 'no-go', reason: 'not ready' }, 2_000, 'carol'),
        ev({ type: 'step.started', stepId: 'a', attempt: 1 }),
      ]);
      await expect(h.raw(`UPDATE events SET actor = 'alice' WHERE seq = 2`)).rejects.toThrow('append-only');
      await expect(h.raw(`DELETE FROM events WHERE seq = 2`)).rejects.toThrow('append-only');
      await h.store.close();
      // Edit: a no-go vote turned into a go.
      await h.tamper(`UPDATE events SET data = replace(data, 'no-go', 'go') WHERE seq = 2`);
      let s = await h.reopen();
      expect(verifyChain(await s.readEvents('r1'), await s.head('r1'))).toContainEqual({
        seq: 2,
        message: 'content was changed after it was written',
      });
      await s.close();
      // Deletion in the middle.
      await h.tamper(`DELETE FROM events WHERE seq = 2`);
      s = await h.reopen();
      const problems = verifyChain(await s.readEvents('r1'), await s.head('r1'));
      expect(problems.map((p) => p.message)).toContain('event 2 missing');
      await s.close();
    });
  });
}
