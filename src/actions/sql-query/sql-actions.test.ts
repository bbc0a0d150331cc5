import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TminusError } from '../../core/tminus-error.js';
import { actionFailure, testActionContext } from '../../../test/support/action-context.js';
import {
  MARIADB_ADMIN_URL,
  createMariadbDatabase,
  createPostgresDatabase,
  type TestDatabase,
} from '../../../test/support/databases.js';
import { freePort } from '../../../test/support/free-port.js';
import { sqlAssertAction, sqlAssertParams } from '../sql-assert/sql-assert-action.js';
import { sqlQueryAction, sqlQueryParams } from './sql-query-action.js';

const PASSWORD = 'Pw-7c1d9e-secret';
const SEED = [
  'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer VARCHAR(40) NOT NULL, total DECIMAL(10,2) NOT NULL)',
  "INSERT INTO orders (id, customer, total) VALUES (1, 'ada', 12.50), (2, 'bob', 7.00), (3, 'ada', 30.25)",
];

interface Engine {
  readonly kind: string;
  url: string;
  readonly placeholder: (n: number) => string;
}
const engines: Record<'postgres' | 'mariadb' | 'sqlite', Engine> = {
  postgres: { kind: 'postgres', url: '', placeholder: (n) => `$${n}` },
  mariadb: { kind: 'mariadb', url: '', placeholder: () => '?' },
  sqlite: { kind: 'sqlite', url: '', placeholder: () => '?' },
};
let pgDb: TestDatabase;
let myDb: TestDatabase;
let dir = '';
const myUser = `tminus_chk_${process.pid}`;

beforeAll(async () => {
  pgDb = await createPostgresDatabase('tminus_sql');
  const pgClient = new pg.Client({ connectionString: pgDb.url });
  await pgClient.connect();
  for (const s of SEED) await pgClient.query(s);
  await pgClient.end();
  // Trust authentication ignores the password, so the URL can carry one to prove it is never shown.
  const pgUrl = new URL(pgDb.url);
  pgUrl.password = PASSWORD;
  engines.postgres.url = pgUrl.toString();

  myDb = await createMariadbDatabase('tminus_sql');
  const admin = await mysql.createConnection(MARIADB_ADMIN_URL);
  await admin.query(`CREATE USER IF NOT EXISTS '${myUser}'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await admin.query(`CREATE USER IF NOT EXISTS '${myUser}'@'localhost' IDENTIFIED BY '${PASSWORD}'`);
  await admin.query(`GRANT ALL ON ${myDb.name}.* TO '${myUser}'@'%'`);
  await admin.query(`GRANT ALL ON ${myDb.name}.* TO '${myUser}'@'localhost'`);
  await admin.query(`USE ${myDb.name}`);
  for (const s of SEED) await admin.query(s);
  await admin.end();
  const myUrl = new URL(myDb.url);
  myUrl.username = myUser;
  myUrl.password = PASSWORD;
  engines.mariadb.url = myUrl.toString();

  dir = mkdtempSync(join(tmpdir(), 'tminus-sql-'));
  const file = join(dir, 'shop.db');
  const db = new Database(file);
  for (const s of SEED) db.exec(s);
  db.close();
  engines.sqlite.url = `sqlite://${file}`;
});

afterAll(async () => {
  await pgDb?.drop();
  await myDb?.drop();
  const admin = await mysql.createConnection(MARIADB_ADMIN_URL);
  await admin.query(`DROP USER IF EXISTS '${myUser}'@'%'`);
  await admin.query(`DROP USER IF EXISTS '${myUser}'@'localhost'`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

const contextFor = (engine: Engine) =>
  testActionContext({ connections: { shop: { kind: engine.kind, url: engine.url } } });
const query = (engine: Engine, input: Record<string, unknown>) => {
  const ctx = contextFor(engine);
  return { ctx, result: sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'shop', ...input })) };
};
const assertion = (engine: Engine, input: Record<string, unknown>) =>
  sqlAssertAction.execute(contextFor(engine), sqlAssertParams.parse({ connection: 'shop', ...input }));
async function failure(promise: Promise<unknown>): Promise<TminusError> {
  const error = await actionFailure(promise);
  expect(error.message).not.toContain(PASSWORD);
  return error;
}

describe.each(Object.keys(engines) as (keyof typeof engines)[])('sql actions on %s', (name) => {
  const engine = engines[name];

  it('returns the rows, columns and count, and the single cell as the value', async () => {
    const all = await query(engine, { query: 'SELECT id, customer, total FROM orders ORDER BY id' }).result;
    expect(all.output).toMatchObject({ columns: ['id', 'customer', 'total'], rowCount: 3, truncated: false });
    expect((all.output?.rows as { customer: string }[]).map((r) => r.customer)).toEqual([
      'ada',
      'bob',
      'ada',
    ]);
    expect(all.value).toBe(3);
    const one = await query(engine, { query: 'SELECT COUNT(*) AS n FROM orders' }).result;
    expect(Number(one.value)).toBe(3);
    expect(one.summary).toMatch(/'shop' \((postgres|mariadb|sqlite) .*\): 1 row \("?3"?\) in \d+/);
  });

  it('binds parameters to placeholders', async () => {
    const { result } = query(engine, {
      query: `SELECT id FROM orders WHERE customer = ${engine.placeholder(1)} AND total > ${engine.placeholder(2)} ORDER BY id`,
      params: ['ada', 20],
    });
    expect((await result).output).toMatchObject({ rowCount: 1, rows: [{ id: 3 }] });
  });

  it('keeps at most maxRows rows as evidence while counting them all', async () => {
    const { result } = query(engine, { query: 'SELECT id FROM orders ORDER BY id', maxRows: 2 });
    expect((await result).output).toMatchObject({
      rowCount: 3,
      truncated: true,
      rows: [{ id: 1 }, { id: 2 }],
    });
  });

  it('reports rows changed by a statement that returns none', async () => {
    const { result } = query(engine, { query: "UPDATE orders SET customer = 'ada' WHERE customer = 'ada'" });
    expect((await result).summary).toContain('2 rows changed');
  });

  it('passes sql.assert on row count, value, exact rows and emptiness', async () => {
    const ok = await assertion(engine, {
      query: 'SELECT customer, SUM(total) AS spent FROM orders GROUP BY customer ORDER BY customer',
      expect: {
        rows: 2,
        value: 'ada',
        equals: [['ada', 42.75], { customer: 'bob', spent: '7.00' }],
      },
    });
    expect(ok.summary).toContain('as expected (2 rows');
    await assertion(engine, {
      query: "SELECT id FROM orders WHERE customer = 'zoe'",
      expect: { empty: true },
    });
    await assertion(engine, { query: 'SELECT id FROM orders', expect: { rows: { min: 1, max: 5 } } });
  });

  it('fails sql.assert showing expected versus actual', async () => {
    const error = await failure(
      assertion(engine, {
        query: 'SELECT id, customer FROM orders ORDER BY id',
        expect: { rows: 2, value: 7, equals: [[1, 'ada'], { customer: 'carol' }] },
      }),
    );
    expect(error.code).toBe('ASSERTION_FAILED');
    expect(error.message).toContain('expected 2 rows, got 3');
    expect(error.message).toContain('expected value 7, got 1 (column id)');
    expect(error.message).toContain('row 2 customer is "bob", expected "carol"');
    const empty = await failure(
      assertion(engine, { query: 'SELECT id FROM orders ORDER BY id', expect: { empty: true } }),
    );
    expect(empty.message).toContain('expected no rows, got 3 (first: {"id":1})');
  });

  it('runs sql.assert read-only, so it cannot change data', async () => {
    const error = await failure(assertion(engine, { query: 'DELETE FROM orders', expect: { rows: 0 } }));
    expect(error.code).toBe('SQL_FAILED');
    expect(error.message).toMatch(/read-only|READ ONLY|readonly/i);
    const { result } = query(engine, { query: 'SELECT COUNT(*) AS n FROM orders' });
    expect(Number((await result).value)).toBe(3);
  });

  it("reports a syntax error in the server's words without the password", async () => {
    const { ctx, result } = query(engine, { query: 'SELEC id FROM orders' });
    const error = await failure(result);
    expect(error.code).toBe('SQL_FAILED');
    expect(error.message).toMatch(/sql\.query on 'shop'/);
    expect(error.message).toMatch(/syntax/i);
    expect(ctx.logText()).not.toContain(PASSWORD);
  });

  it('plans without touching the database, naming connection and statement', async () => {
    const ctx = contextFor(engine);
    const plan = await sqlQueryAction.plan!(
      ctx,
      sqlQueryParams.parse({ connection: 'shop', query: 'DELETE FROM orders' }),
    );
    expect(plan.summary).toMatch(/would run on 'shop' .*: DELETE FROM orders/);
    expect(plan.summary).not.toContain(PASSWORD);
    expect(plan.changes).toHaveLength(1);
    const { result } = query(engine, { query: 'SELECT COUNT(*) AS n FROM orders' });
    expect(Number((await result).value)).toBe(3);
  });
});

describe('sql actions: faults', () => {
  it('names a database server that does not answer, without the password', async () => {
    const port = await freePort();
    const ctx = testActionContext({
      connections: { down: { kind: 'postgres', url: `postgres://app:${PASSWORD}@127.0.0.1:${port}/shop` } },
    });
    const error = await failure(
      sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'down', query: 'SELECT 1' })),
    );
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain(`connection refused by 127.0.0.1:${port}`);
  });

  it('stops a query that runs past its timeout, on the server too', async () => {
    const pgError = await failure(
      query(engines.postgres, { query: 'SELECT pg_sleep(5)', timeout: 300 }).result,
    );
    expect(pgError.message).toMatch(/no answer within 300ms|statement timeout/);
    const myError = await failure(
      query(engines.mariadb, { query: 'SELECT SLEEP(5.5)', timeout: 300 }).result,
    );
    expect(myError.code).toBe('TIMEOUT');
    // The server applies KILL QUERY asynchronously: give it up to 3 s to take the query off its list.
    const admin = await mysql.createConnection(MARIADB_ADMIN_URL);
    let left: unknown;
    for (let i = 0; i < 30; i++) {
      [left] = await admin.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(5.5)%'",
      );
      if ((left as { n: number }[])[0]?.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await admin.end();
    expect(left).toEqual([{ n: 0 }]);
  });

  it('refuses an unknown connection and one that is not a database', async () => {
    const ctx = testActionContext({ connections: { web: { kind: 'http', url: 'https://new.example.com' } } });
    const unknown = await failure(
      sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'nope', query: 'SELECT 1' })),
    );
    expect(unknown.code).toBe('UNKNOWN_CONNECTION');
    const wrongKind = await failure(
      sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'web', query: 'SELECT 1' })),
    );
    expect(wrongKind.message).toBe(
      "connection 'web' is a 'http' connection; SQL actions need postgres, mysql, mariadb or sqlite",
    );
  });

  it('refuses a malformed connection URL without keeping the password anywhere', async () => {
    for (const kind of ['postgres', 'mariadb']) {
      const ctx = testActionContext({
        connections: { db: { kind, url: `${kind}://app:${PASSWORD}@[bad/x` } },
      });
      const error = await failure(
        sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'db', query: 'SELECT 1' })),
      );
      expect(error.code).toBe('INVALID_PARAMS');
      expect(error.message).toContain('the connection url is not a valid URL');
      expect(error.cause).toBeUndefined();
    }
  });

  it('does not create a SQLite file that does not exist', async () => {
    const ctx = testActionContext({
      connections: { gone: { kind: 'sqlite', url: `sqlite://${dir}/typo.db` } },
    });
    const error = await failure(
      sqlQueryAction.execute(ctx, sqlQueryParams.parse({ connection: 'gone', query: 'SELECT 1' })),
    );
    expect(error.message).toContain(`cannot open the SQLite file '${dir}/typo.db'`);
  });

  it('rejects bad parameters and expectations', () => {
    const q = sqlQueryParams.safeParse({
      connection: '',
      query: '',
      params: [{}],
      maxRows: -1,
      timeout: 'later',
    });
    expect(q.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'connection',
      'maxRows',
      'params.0',
      'query',
      'timeout',
    ]);
    const a = sqlAssertParams.safeParse({ connection: 'db', query: 'SELECT 1', expect: {} });
    expect(a.error?.issues[0]?.message).toBe('expect needs at least one of rows, value, equals or empty');
    const b = sqlAssertParams.safeParse({
      connection: 'db',
      query: 'SELECT 1',
      expect: { rows: {}, empty: false },
    });
    expect(b.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['expect.empty', 'expect.rows']);
  });
});

describe('sql actions: abort', () => {
  it('stops a running PostgreSQL query when the run is aborted', async () => {
    const controller = new AbortController();
    const ctx = testActionContext({
      signal: controller.signal,
      connections: { shop: { kind: 'postgres', url: engines.postgres.url } },
    });
    const pending = sqlQueryAction.execute(
      ctx,
      sqlQueryParams.parse({ connection: 'shop', query: 'SELECT pg_sleep(20.5)' }),
    );
    setTimeout(() => controller.abort(), 200);
    const error = await failure(pending);
    expect(error.code).toBe('ABORTED');
    // The statement was cancelled on the server, not just abandoned by the client.
    const admin = new pg.Client({ connectionString: pgDb.url });
    await admin.connect();
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20.5)%' AND state = 'active' AND pid <> pg_backend_pid()",
    );
    await admin.end();
    expect(rows[0]).toEqual({ n: 0 });
  });
});
