import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, testActionContext } from '../../../test/support/action-context.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { PG_ADMIN_URL, createPostgresDatabase } from '../../../test/support/databases.js';
import { pgExec } from '../../../test/support/data-tables.js';
import type { TminusError } from '../../core/tminus-error.js';
import { builtinActions } from '../builtin-actions.js';
import { dataSyncWaitAction, dataSyncWaitParams } from './data-sync-wait-action.js';

// Needs wal_level = logical on the shared test cluster (set once with ALTER SYSTEM and a restart; see test/support/global-setup.ts).
let src: TestDatabase;
let dst: TestDatabase;
const SUB = `tminus_sub_${process.pid}`;

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  const [level] = await query<{ wal_level: string }>(PG_ADMIN_URL, 'SHOW wal_level');
  if (level?.wal_level !== 'logical') {
    throw new Error('these tests need wal_level = logical on the test PostgreSQL');
  }
  [src, dst] = await Promise.all([
    createPostgresDatabase('tminus_repl'),
    createPostgresDatabase('tminus_repl'),
  ]);
  const ddl = `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(8,2))`;
  await pgExec(src.url, [
    ddl,
    `INSERT INTO items (name, price) SELECT 'item ' || g, g / 10.0 FROM generate_series(1, 500) g`,
    `CREATE PUBLICATION ${SUB} FOR TABLE items`,
  ]);
  // A slot created apart from CREATE SUBSCRIPTION: creating it inside the command hangs when both databases share a cluster.
  await pgExec(src.url, [`SELECT pg_create_logical_replication_slot('${SUB}', 'pgoutput')`]);
  const u = new URL(src.url);
  await pgExec(dst.url, [
    ddl,
    `CREATE SUBSCRIPTION ${SUB} CONNECTION 'host=${u.hostname} port=${u.port || 5432} dbname=${src.name} user=${u.username}'
       PUBLICATION ${SUB} WITH (create_slot = false, slot_name = '${SUB}')`,
  ]);
}, 120_000);

afterAll(async () => {
  if (dst) {
    await pgExec(dst.url, [
      `ALTER SUBSCRIPTION ${SUB} DISABLE`,
      `ALTER SUBSCRIPTION ${SUB} SET (slot_name = NONE)`,
      `DROP SUBSCRIPTION ${SUB}`,
    ]).catch(() => undefined);
  }
  for (let i = 0; i < 20; i++) {
    const slots = await query<{ active: boolean }>(
      PG_ADMIN_URL,
      `SELECT active FROM pg_replication_slots WHERE slot_name = '${SUB}'`,
    );
    if (slots.length === 0) break;
    if (!slots[0]!.active) {
      await pgExec(PG_ADMIN_URL, [`SELECT pg_drop_replication_slot('${SUB}')`]).catch(() => undefined);
    } else await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all([src?.drop(), dst?.drop()]);
}, 60_000);

const ctx = () =>
  testActionContext({
    connections: { legacy: { kind: 'postgres', url: src.url }, cloud: { kind: 'postgres', url: dst.url } },
    clock: systemClock,
  });

describe('the data.sync-wait action', () => {
  it('is registered, idempotent, and drafts the thaw of the source as its inverse', () => {
    expect(builtinActions().get('data.sync-wait')).toBe(dataSyncWaitAction);
    const inverse = dataSyncWaitAction.inverse!(
      dataSyncWaitParams.parse({ source: 'legacy', target: 'cloud' }),
    );
    expect(inverse?.action).toBe('sql.query');
    expect(inverse?.with).toMatchObject({ connection: 'legacy' });
    expect(String(inverse?.with.query)).toContain('RESET default_transaction_read_only');
  });

  it('freezes a source being written to, waits for the subscription to pass the fence, syncs sequences and verifies', async () => {
    // A writer that keeps inserting until the freeze ends its session.
    const writer = new pg.Client({ connectionString: src.url });
    await writer.connect();
    writer.on('error', () => undefined);
    let written = 0;
    let stopped: string | undefined;
    const writing = (async () => {
      for (;;) {
        try {
          await writer.query(`INSERT INTO items (name, price) VALUES ('live ${written}', 1.00)`);
          written++;
        } catch (error) {
          stopped = (error as Error).message;
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const r = await dataSyncWaitAction.execute(
      ctx(),
      dataSyncWaitParams.parse({ source: 'legacy', target: 'cloud', pollInterval: '1s', timeout: '2m' }),
    );
    await writing;
    expect(written).toBeGreaterThan(0);
    expect(stopped).toMatch(/terminat|connection/i);
    const out = r.output as {
      fenceLsn: string;
      sequences: { name: string; value: string }[];
      terminatedSessions: number;
      tables: string[];
    };
    expect(out.terminatedSessions).toBeGreaterThanOrEqual(1);
    expect(out.tables).toEqual(['items']);
    expect(r.summary).toMatch(/passed fence .* 1 sequences synced; 1 tables identical/);
    const [{ n }] = (await query<{ n: string }>(dst.url, 'SELECT count(*)::text AS n FROM items')) as [
      { n: string },
    ];
    expect(Number(n)).toBe(500 + written);
    // The source's sequence as the freeze left it: an insert cut off by the freeze may have taken a value
    // without committing its row, so it can be one past the rows written.
    const [seq] = await query<{ v: string }>(src.url, 'SELECT last_value::text AS v FROM items_id_seq');
    expect(Number(seq?.v)).toBeGreaterThanOrEqual(500 + written);
    expect(out.sequences).toEqual([{ name: 'public.items_id_seq', value: seq?.v }]);
    const [next] = await query<{ id: number }>(dst.url, `SELECT nextval('items_id_seq')::int AS id`);
    expect(next?.id).toBe(Number(seq?.v) + 1);
    // New sessions on the source are read-only now.
    await expect(pgExec(src.url, [`INSERT INTO items (name) VALUES ('late')`])).rejects.toThrow(
      /read-only transaction/,
    );
    await pgExec(src.url, [
      `SET default_transaction_read_only = off`,
      `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET default_transaction_read_only', current_database()); END $$`,
    ]);
  }, 90_000);

  it('fails after its timeout, saying how far behind the subscription is', async () => {
    await pgExec(dst.url, [`ALTER SUBSCRIPTION ${SUB} DISABLE`]);
    try {
      // Disabled subscriptions are refused outright; re-enable it but stop its apply worker's progress with a lock.
      const e1 = await dataSyncWaitAction
        .execute(ctx(), dataSyncWaitParams.parse({ source: 'legacy', target: 'cloud', timeout: '2s' }))
        .catch((x: unknown) => x);
      expect((e1 as TminusError).message).toBe(`subscription ${SUB} is disabled`);
      await pgExec(src.url, [`INSERT INTO items (name) VALUES ('still writable')`]);
    } finally {
      await pgExec(dst.url, [`ALTER SUBSCRIPTION ${SUB} ENABLE`]);
    }
    const blocker = new pg.Client({ connectionString: dst.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
      await pgExec(src.url, [`INSERT INTO items (name) VALUES ('blocked')`]);
      const e = await dataSyncWaitAction
        .execute(
          ctx(),
          dataSyncWaitParams.parse({
            source: 'legacy',
            target: 'cloud',
            timeout: '3s',
            freeze: 'none',
            verify: false,
          }),
        )
        .catch((x: unknown) => x);
      expect((e as TminusError).code).toBe('DATA_SYNC_TIMEOUT');
      expect((e as Error).message).toMatch(
        new RegExp(`subscription ${SUB} did not pass the fence \\S+ within 3 s \\(behind by \\d+ bytes\\)`),
      );
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  }, 60_000);

  it('refuses a database that is not PostgreSQL and bad parameters', async () => {
    const c = testActionContext({
      connections: {
        lite: { kind: 'sqlite', url: '/nonexistent.db' },
        cloud: { kind: 'postgres', url: dst.url },
      },
    });
    const e = await dataSyncWaitAction
      .execute(c, dataSyncWaitParams.parse({ source: 'lite', target: 'cloud' }))
      .catch((x: unknown) => x);
    expect((e as TminusError).code).toBe('DATA_CONNECTION');
    const bad = dataSyncWaitParams.safeParse({
      source: 'a',
      target: 'b',
      timeout: 'forever',
      freeze: 'maybe',
      extra: 1,
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'freeze',
      'timeout',
      'unrecognized_keys',
    ]);
  });
});
