import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

// Migration 9: an append is one INSERT into events and the run's row no longer moves with it. What the run
// row's lock did is done by the events' primary key (one of two writers at the same place), the in-order
// guard (any writer), and the fenced append's lock on the lease row (serialised with a grant).

const databases: TestDatabase[] = [];
const stores: PostgresStore[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.end()));
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

async function setup(): Promise<{ url: string; a: PostgresStore; b: PostgresStore; sql: pg.Client }> {
  const db = await createPostgresDatabase('tminus_one_table');
  databases.push(db);
  const a = await PostgresStore.open(db.url);
  const b = await PostgresStore.open(db.url);
  stores.push(a, b);
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  clients.push(sql);
  return { url: db.url, a, b, sql };
}

/** The backends of this database waiting for a lock right now. */
async function waiting(sql: pg.Client): Promise<number> {
  const r = await sql.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return Number(r.rows[0]!.n);
}

describe('PostgreSQL store, one table per append (migration 9)', () => {
  it('two processes appending at the same place at once: exactly one is recorded, the other is told where the head is', async () => {
    const { url, a, b, sql } = await setup();
    let head = (await a.createRun('r1', [runStarted()])).at(-1)!.seq;
    expect(await b.readEvents('r1')).toHaveLength(1);
    for (let round = 0; round < 12; round++) {
      // Both statements queue behind a lock on events and start together once it is released.
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      clients.push(locker);
      await locker.query('BEGIN; LOCK TABLE events IN SHARE MODE');
      const both = Promise.all([
        a.append('r1', head, [ev({ type: 'run.paused' }, 10 + round, 'alice')]),
        b.append('r1', head, [ev({ type: 'run.unpaused' }, 10 + round, 'bob')]),
      ]);
      await vi.waitFor(async () => expect(await waiting(sql)).toBe(2));
      await locker.query('COMMIT');
      const results = await both;
      const ok = results.filter((r) => r.ok);
      expect(ok).toHaveLength(1);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, lastSeq: head + 1 });
      head += 1;
    }
    const events = await a.readEvents('r1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(await a.head('r1')).toEqual({ seq: 13, hash: events.at(-1)!.hash });
    expect(await a.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 13, findings: [] });
  });

  it('refuses a fenced append after another holder was granted the run, and one a grant under way waits for', async () => {
    const { url, a, b, sql } = await setup();
    await a.createRun('r1', [runStarted()]);
    const one = { id: 'w1', pid: 1, host: 'h' };
    const two = { id: 'w2', pid: 2, host: 'h' };
    const first = await a.acquireLease('r1', one, { nowMs: 0, ttlMs: 1_000 });
    if (!first.ok) throw new Error('not granted');
    const fence = { holderId: 'w1', epoch: first.epoch };
    expect((await a.append('r1', 1, [ev({ type: 'run.paused' })], fence)).ok).toBe(true);

    // A grant to w2 under way (its transaction holds the lease row): w1's append waits for it, then is refused.
    const granter = new pg.Client({ connectionString: url });
    await granter.connect();
    clients.push(granter);
    await granter.query('BEGIN');
    await granter.query(
      `UPDATE leases SET holder_id = 'w2', pid = 2, expires_at_ms = 5000, epoch = nextval('tminus_lease_epoch')
       WHERE run_id = 'r1' RETURNING epoch`,
    );
    const stale = a.append('r1', 2, [ev({ type: 'run.unpaused' })], fence);
    await vi.waitFor(async () => expect(await waiting(sql)).toBe(1));
    await granter.query('COMMIT');
    const refused = await stale;
    expect(refused).toMatchObject({
      ok: false,
      lastSeq: 3,
      rejected: { seq: 3, data: { type: 'append.rejected' } },
    });

    // And once granted anew (an expired lease taken over): the old fence is refused, the new one appends.
    const third = await b.acquireLease('r1', two, { nowMs: 10_000, ttlMs: 1_000 });
    if (!third.ok) throw new Error('not granted');
    expect(await a.append('r1', 3, [ev({ type: 'run.unpaused' })], fence)).toMatchObject({
      ok: false,
      lastSeq: 4,
      rejected: { data: { type: 'append.rejected' } },
    });
    expect(
      (await b.append('r1', 4, [ev({ type: 'run.unpaused' })], { holderId: 'w2', epoch: third.epoch })).ok,
    ).toBe(true);
    const types = (await b.readEvents('r1')).map((e) => e.data.type);
    expect(types).toEqual([
      'run.started',
      'run.paused',
      'append.rejected',
      'append.rejected',
      'run.unpaused',
    ]);
    expect(await b.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 5, findings: [] });
  });

  it('refuses a direct INSERT out of order, and any change to a run row; derives head and end from the events', async () => {
    const { a, sql } = await setup();
    await a.createRun('r1', [runStarted()]);
    await a.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
    const row = (seq: number) =>
      `INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash)
       VALUES ('r1', ${seq}, 0, 'x', 'run.paused', '{"type":"run.paused"}', 'p', 'h')`;
    await expect(sql.query(row(3))).rejects.toThrow('appended in order');
    await expect(sql.query(row(5))).rejects.toThrow('appended in order');
    await expect(sql.query(`UPDATE runs SET head_seq = 3 WHERE run_id = 'r1'`)).rejects.toThrow(
      'moves forward',
    );
    await expect(sql.query(`UPDATE runs SET plan_name = 'x' WHERE run_id = 'r1'`)).rejects.toThrow(
      'written once',
    );
    expect(await a.head('r1')).toMatchObject({ seq: 3 });
    expect((await a.listRuns())[0]).toMatchObject({ runId: 'r1', lastSeq: 3, ended: false });
    await a.append('r1', 3, [ev({ type: 'run.ended', outcome: 'aborted' })]);
    expect((await a.listRuns())[0]).toMatchObject({ runId: 'r1', lastSeq: 4, ended: true });
    expect(await a.claimRun({ id: 'w', pid: 1, host: 'h' }, { nowMs: 0, ttlMs: 1_000 })).toBeUndefined();
  });

  it('appends more events than it sends one row of parameters each for (the array form), fenced or not', async () => {
    const { a } = await setup();
    await a.createRun('r1', [runStarted(), ...Array.from({ length: 6 }, () => ev({ type: 'run.paused' }))]);
    const many = (n: number) => Array.from({ length: n }, () => ev({ type: 'run.unpaused' }));
    expect(await a.append('r1', 7, many(9))).toMatchObject({ ok: true, events: { length: 9 } });
    const lease = await a.acquireLease('r1', { id: 'w', pid: 1, host: 'h' }, { nowMs: 0, ttlMs: 1_000 });
    if (!lease.ok) throw new Error('not granted');
    expect((await a.append('r1', 16, many(5), { holderId: 'w', epoch: lease.epoch })).ok).toBe(true);
    expect(await a.append('r1', 21, many(5), { holderId: 'w', epoch: lease.epoch + 1 })).toMatchObject({
      ok: false,
      rejected: { seq: 22, data: { type: 'append.rejected' } },
    });
    expect(await a.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 22, findings: [] });
  });

  it('refuses the append functions of processes started before the migration, writing nothing', async () => {
    const { a, sql } = await setup();
    await a.createRun('r1', [runStarted()]);
    const h = (await a.head('r1'))!.hash;
    await expect(
      sql.query(
        `SELECT tminus_try_append('r1', 1, $1, NULL, NULL, '{0}', '{x}', '{run.paused}', '{"{}"}', '{h}', '{m}')`,
        [h],
      ),
    ).rejects.toThrow('upgraded (schema 9) by a newer tminus: restart this process with it');
    await expect(
      sql.query(
        `SELECT * FROM tminus_append('r1', 1, $1, NULL, NULL, '{0}', '{x}', '{run.paused}', '{"{}"}', '{h}', '{m}')`,
        [h],
      ),
    ).rejects.toThrow('restart this process');
    expect(await a.readEvents('r1')).toHaveLength(1);
  });
});
