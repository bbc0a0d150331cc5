import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

// The journal's guards as PostgreSQL triggers (migration 8 made them cheaper): each still refuses the SQL that
// would break the journal's order, the head's forward-only move or the append-only rules, one row or many.

const databases: TestDatabase[] = [];
const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

async function database(): Promise<TestDatabase> {
  const db = await createPostgresDatabase('tminus_guards');
  databases.push(db);
  return db;
}

async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** A raw event row of run `runId` at `seq`, as a VALUES tuple. */
const row = (runId: string, seq: number) =>
  `('${runId}', ${seq}, 0, 'x', 'run.paused', '{"type":"run.paused"}', 'p', 'h${seq}')`;
const insert = (...rows: string[]) =>
  `INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash) VALUES ${rows.join(', ')}`;

/** A run r1 of three events (head 3) in a fresh store. */
async function runOfThree(): Promise<{ url: string; store: PostgresStore }> {
  const db = await database();
  const store = await PostgresStore.open(db.url);
  stores.push(store);
  await store.createRun('r1', [runStarted()]);
  await store.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
  return { url: db.url, store };
}

describe('PostgreSQL journal guards', () => {
  it('refuses events out of order, one row or many: gaps, reversed, behind the head, before the run', async () => {
    const { url, store } = await runOfThree();
    const refused = async (text: string, message: string) => expect(sql(url, text)).rejects.toThrow(message);
    await refused(insert(row('r1', 5)), 'appended in order');
    await refused(insert(row('r1', 4), row('r1', 6)), 'appended in order');
    await refused(insert(row('r1', 5), row('r1', 4)), 'appended in order');
    await refused(insert(row('r1', 4), row('r1', 5), row('r1', 5)), 'appended in order');
    await refused(insert(row('r1', 3)), 'appended in order');
    await refused(insert(row('r1', 1)), 'appended in order');
    await refused(insert(row('r1', 0)), 'appended in order');
    await refused(insert(row('r1', 4), row('r1', 2)), 'appended in order');
    // No run row: its first event is refused (the foreign key's guarantee), and so is any later one.
    await refused(insert(row('ghost', 1)), 'to a run that exists');
    await refused(insert(row('ghost', 1), row('ghost', 2)), 'to a run that exists');
    await refused(insert(row('ghost', 2)), 'appended in order');
    await refused(insert(row('r1', 4), row('ghost', 1)), 'to a run that exists');
    await refused(`UPDATE events SET seq = 9 WHERE run_id = 'r1' AND seq = 3`, 'append-only');
    await refused(`DELETE FROM events WHERE run_id = 'r1'`, 'append-only');
    await refused(`UPDATE runs SET head_seq = 2 WHERE run_id = 'r1'`, 'moves forward');
    await refused(`UPDATE runs SET run_id = 'r2' WHERE run_id = 'r1'`, 'moves forward');
    await refused(`DELETE FROM runs WHERE run_id = 'r1'`, 'append-only');
    // TRUNCATE fires no row trigger: it is refused by a statement trigger of its own, cascaded or not.
    await refused('TRUNCATE events', 'events is append-only');
    await refused('TRUNCATE runs CASCADE', 'is append-only');
    await refused('TRUNCATE journal', 'journal is append-only');
    expect(await store.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 3, findings: [] });
    expect((await store.append('r1', 3, [ev({ type: 'run.paused' })])).ok).toBe(true);
  });

  it('notifies tminus_runs on every head move, run creation included', async () => {
    const db = await database();
    const store = await PostgresStore.open(db.url);
    stores.push(store);
    const heard: string[] = [];
    let linked!: () => void;
    const up = new Promise<void>((resolve) => (linked = resolve));
    const stop = await store.listen(
      (runId, seq) => heard.push(`${seq} ${runId}`),
      (ok) => ok && linked(),
    );
    try {
      await up;
      await store.createRun('r1', [runStarted()]);
      await store.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
      await vi.waitFor(() => expect(heard).toEqual(['0 r1', '1 r1', '3 r1']));
    } finally {
      await stop();
    }
  });

  it('lists every guard it relies on, and audit names one dropped', async () => {
    const { url, store } = await runOfThree();
    const fks = await sql(
      url,
      `SELECT 1 FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'f'`,
    );
    expect(fks).toEqual([]);
    await sql(
      url,
      'DROP TRIGGER events_in_order ON events; ALTER TABLE runs DISABLE TRIGGER runs_no_truncate',
    );
    const v = await store.verifyJournal('r1');
    expect(v.findings).toContainEqual(
      expect.objectContaining({
        kind: 'guards',
        message: expect.stringMatching(/events_in_order, runs_no_truncate$/),
      }),
    );
  });
});

describe('PostgreSQL store upgrade to migration 8', () => {
  it('keeps a journal written at schema 7 intact, and guards it as before', async () => {
    const db = await database();
    // The store as released with schema 7: the same code, seven migrations.
    vi.resetModules();
    vi.doMock('../../src/store/postgres/migrations.js', async (original) => {
      const real = await original<{ PG_MIGRATIONS: readonly string[] }>();
      return { ...real, PG_MIGRATIONS: real.PG_MIGRATIONS.slice(0, 7) };
    });
    const old = (await import('../../src/store/postgres/postgres-store.js')).PostgresStore;
    vi.doUnmock('../../src/store/postgres/migrations.js');
    vi.resetModules();
    const seven = await old.open(db.url);
    // This code's append statement names tminus_refusal (migration 9), which schema 7 lacks: a stand-in
    // while it writes the old journal (it is called only when an append is refused), dropped before the upgrade.
    await sql(
      db.url,
      `CREATE FUNCTION tminus_refusal(text, text, bigint) RETURNS text[] LANGUAGE sql AS 'SELECT NULL::text[]'`,
    );
    try {
      await seven.createRun('r1', [runStarted()]);
      await seven.append('r1', 1, [ev({ type: 'run.paused' }), ev({ type: 'run.unpaused' })]);
    } finally {
      await seven.close();
    }
    await sql(db.url, 'DROP FUNCTION tminus_refusal(text, text, bigint)');
    expect(await sql(db.url, 'SELECT version FROM tminus_schema')).toEqual([{ version: 7 }]);

    const store = await PostgresStore.open(db.url);
    stores.push(store);
    expect(await sql(db.url, 'SELECT version FROM tminus_schema')).toEqual([
      { version: PG_MIGRATIONS.length },
    ]);
    expect(await store.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 3, findings: [] });
    expect((await store.append('r1', 3, [ev({ type: 'run.paused' })])).ok).toBe(true);
    await store.createRun('r2', [runStarted()]);
    expect(await store.verifyJournal('r1')).toMatchObject({ status: 'intact', events: 4, findings: [] });
    expect(await store.verifyJournal('r2')).toMatchObject({ status: 'intact', events: 1, findings: [] });
    await expect(sql(db.url, insert(row('r1', 6)))).rejects.toThrow('appended in order');
    await expect(sql(db.url, insert(row('ghost', 1)))).rejects.toThrow('to a run that exists');
    await expect(sql(db.url, 'TRUNCATE events')).rejects.toThrow('append-only');
    await expect(sql(db.url, `UPDATE runs SET head_seq = 1 WHERE run_id = 'r1'`)).rejects.toThrow(
      'moves forward',
    );
  });
});
