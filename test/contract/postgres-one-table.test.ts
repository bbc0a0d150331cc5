import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';
import { appendConnections } from '../support/append-connections.js';

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

// Migration 10: the in-order guard skips the rows of tminus's own append statement (its connections set
// tminus.append = 'statement' at connection), which checks the order itself; every other writer is guarded.

/** A raw event row of run r1 at `seq`, unsealed. */
const rawRow = (seq: number, prev = 'p') =>
  `INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash)
   VALUES ('r1', ${seq}, 0, 'x', 'run.paused', '{"type":"run.paused"}', '${prev}', '${'a'.repeat(64)}')`;

/** A connection of its own to `url`, with `options` in its startup packet. */
async function session(url: string, options?: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, ...(options ? { options } : {}) });
  await c.connect();
  clients.push(c);
  return c;
}

describe('PostgreSQL store, the in-order guard skipped for its own append (migration 10)', () => {
  it('sends every INSERT INTO events through the append statement, over connections that carry the setting', async () => {
    // The argument for skipping the guard holds for the append statement only: no other INSERT into events.
    const source = readFileSync(
      new URL('../../src/store/postgres/postgres-store.ts', import.meta.url),
      'utf8',
    );
    expect(source.match(/INSERT INTO events/g)).toHaveLength(1);
    const { a } = await setup();
    await a.createRun('r1', [runStarted()]);
    const used = appendConnections();
    try {
      expect((await a.append('r1', 1, [ev({ type: 'run.paused' })])).ok).toBe(true);
    } finally {
      vi.restoreAllMocks();
    }
    expect(used).toHaveLength(1);
    const setting = await used[0]!.query<{ v: string }>(`SELECT current_setting('tminus.append', true) AS v`);
    expect(setting.rows[0]!.v).toBe('statement');
  });

  it('still refuses an out-of-order, gapped or repeated INSERT from a writer without the setting', async () => {
    const { url, a, sql } = await setup();
    await a.createRun('r1', [runStarted()]);
    await a.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
    const other = await session(url, '-c tminus.append=other');
    for (const c of [sql, other]) {
      await expect(c.query(rawRow(5))).rejects.toThrow('appended in order');
      await expect(c.query(rawRow(3))).rejects.toThrow();
      await expect(c.query(rawRow(2))).rejects.toThrow();
    }
    expect(await a.head('r1')).toMatchObject({ seq: 3 });
    expect(await a.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 3, findings: [] });
  });

  it('a tminus append and a guarded writer at the same place at once: exactly one is recorded', async () => {
    const { url, a, sql } = await setup();
    let head = (await a.createRun('r1', [runStarted()])).at(-1)!.seq;
    const raw = await session(url);
    let rawWon = 0;
    for (let round = 0; round < 8; round++) {
      const locker = await session(url);
      await locker.query('BEGIN; LOCK TABLE events IN SHARE MODE');
      const last = (await a.readEvents('r1')).at(-1)!;
      const both = Promise.allSettled([
        a.append('r1', head, [ev({ type: 'run.paused' }, 10 + round, 'alice')]),
        raw.query(rawRow(head + 1, last.hash)),
      ]);
      await vi.waitFor(async () => expect(await waiting(sql)).toBe(2));
      await locker.query('COMMIT');
      const [mine, theirs] = await both;
      if (theirs.status === 'fulfilled') {
        rawWon += 1;
        expect(mine).toEqual({ status: 'fulfilled', value: { ok: false, lastSeq: head + 1 } });
      } else {
        expect(mine).toMatchObject({ status: 'fulfilled', value: { ok: true } });
        expect(String(theirs.reason)).toMatch(/events_pkey|appended in order/);
      }
      head += 1;
    }
    const events = await a.readEvents('r1');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    // The raw rows are not tminus's (unsealed): audit names each one it let in, and nothing else.
    const v = await a.verifyJournal('r1');
    expect(v.status).toBe(rawWon > 0 ? 'tampered' : 'intact');
    expect(v.findings.every((f) => f.kind !== 'deleted' && f.kind !== 'guards')).toBe(true);
  });

  it('lets a session that sets the setting itself write a gap (the guard is skipped), which audit verify names', async () => {
    const { url, a } = await setup();
    await a.createRun('r1', [runStarted()]);
    await a.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
    const unguarded = await session(url, '-c tminus.append=statement');
    const last = (await a.readEvents('r1')).at(-1)!;
    await unguarded.query(rawRow(6, last.hash));
    const v = await a.verifyJournal('r1');
    expect(v.status).toBe('tampered');
    expect(v.findings).toContainEqual(
      expect.objectContaining({
        kind: 'deleted',
        seq: 4,
        message: expect.stringMatching(/^events 4–5 deleted/),
      }),
    );
    // And tminus appends after the head as stored (event 6), as after any other writer.
    expect(await a.append('r1', 3, [ev({ type: 'run.paused' })])).toEqual({ ok: false, lastSeq: 6 });
  });

  it('opens without the setting behind a pooler that refuses it, and appends with the guard on', async () => {
    const { url, sql } = await setup();
    // A PgBouncer that neither tracks nor ignores the setting refuses the connection at startup.
    const original = pg.Client.prototype.connect as (...args: unknown[]) => unknown;
    let refusals = 0;
    vi.spyOn(pg.Client.prototype, 'connect').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const options = (this as unknown as { connectionParameters: { options?: string } }).connectionParameters
        .options;
      if (!options?.includes('tminus.append')) return original.apply(this, args);
      refusals += 1;
      const refused = new Error('unsupported startup parameter in options: tminus.append');
      const callback = args[0] as ((error: Error) => void) | undefined;
      if (callback) return void process.nextTick(() => callback(refused));
      return Promise.reject(refused);
    } as never);
    let pooled: PostgresStore;
    try {
      pooled = await PostgresStore.open(url);
      stores.push(pooled);
      await pooled.createRun('r1', [runStarted()]);
      expect((await pooled.append('r1', 1, [ev({ type: 'run.paused' })])).ok).toBe(true);
    } finally {
      vi.restoreAllMocks();
    }
    expect(refusals).toBe(1);
    await expect(sql.query(rawRow(5))).rejects.toThrow('appended in order');
    expect(await pooled.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 2, findings: [] });
  });

  it('audit verify names the in-order guard when its WHEN condition was changed (not when it has none), and a dropped primary key', async () => {
    const { a, sql } = await setup();
    await a.createRun('r1', [runStarted()]);
    const recreate = (when: string) =>
      sql.query(`DROP TRIGGER events_in_order ON events;
        CREATE TRIGGER events_in_order BEFORE INSERT ON events FOR EACH ROW ${when}
        EXECUTE FUNCTION tminus_events_in_order()`);
    await recreate(`WHEN (current_setting('tminus.append', true) IS DISTINCT FROM 'anything')`);
    expect((await a.verifyJournal('r1')).findings).toContainEqual(
      expect.objectContaining({
        kind: 'guards',
        message: expect.stringMatching(/events_in_order \(its WHEN condition was changed\)$/),
      }),
    );
    await recreate('WHEN (false)');
    expect((await a.verifyJournal('r1')).findings).toContainEqual(
      expect.objectContaining({ kind: 'guards' }),
    );
    // No condition: stricter (it runs for tminus's appends too), still a guard; appends still go through.
    await recreate('');
    expect(await a.verifyJournal('r1')).toMatchObject({ status: 'intact', findings: [] });
    expect((await a.append('r1', 1, [ev({ type: 'run.paused' })])).ok).toBe(true);
    await recreate(`WHEN (current_setting('tminus.append', true) IS DISTINCT FROM 'statement')`);
    expect(await a.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 2, findings: [] });
    // The primary key, which turns away the second of two writers at one place, is a guard too.
    await sql.query('ALTER TABLE events DROP CONSTRAINT events_pkey');
    expect((await a.verifyJournal('r1')).findings).toContainEqual(
      expect.objectContaining({
        kind: 'guards',
        message: expect.stringMatching(/: events' primary key \(run_id, seq\)$/),
      }),
    );
  });
});
