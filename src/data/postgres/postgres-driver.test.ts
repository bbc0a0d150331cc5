import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { PG_ADMIN_URL, createPostgresDatabase } from '../../../test/support/databases.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { PostgresDriver } from './postgres-driver.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createPostgresDatabase('tminus_driver');
});
afterAll(async () => db?.drop());

async function adminQuery<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query(sql, values)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('PostgresDriver', () => {
  it('a session the server ends between two batches of a cursor fails the next read: no hang, no crash', async () => {
    const driver = new PostgresDriver(db.url);
    const rows = driver.stream('SELECT g FROM generate_series(1, 100) g', [], 10);
    const first = await rows.next();
    expect(first.done).toBe(false);
    // The driver holds the session between batches; the server ends it (as a restart or a DBA would).
    const ended = await adminQuery<{ n: string }>(
      `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'tminus'`,
      [db.name],
    );
    expect(ended[0]?.n).toBe('1');
    await waitFor(
      async () =>
        (
          await adminQuery<{ n: string }>(
            'SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1',
            [db.name],
          )
        )[0]?.n === '0',
      'the session to be gone',
    );
    // The rows of the batch already read come first; the next batch's read fails and says why.
    let read = 1;
    const failure = await (async () => {
      for (;;) {
        try {
          const r = await rows.next();
          if (r.done) return undefined;
          read += 1;
        } catch (error) {
          return error as Error;
        }
      }
    })();
    expect(read).toBe(10);
    expect(failure?.message).toMatch(/terminat|connection|ended/i);
    // The broken session left the pool: the next statement gets a new one.
    expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await driver.close();
  });

  it('connectAll opens every session of the pool at once; a statement then opens none', async () => {
    const driver = new PostgresDriver(db.url, { connections: 3 });
    const sessions = async () =>
      Number(
        (
          await adminQuery<{ n: string }>(
            `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tminus'`,
            [db.name],
          )
        )[0]?.n,
      );
    await driver.connectAll();
    expect(await sessions()).toBe(3);
    const pids = await Promise.all(
      [1, 2, 3].map(() => driver.query<{ p: number }>('SELECT pg_backend_pid() AS p, pg_sleep(0.05)')),
    );
    expect(await sessions()).toBe(3);
    expect(new Set(pids.map((r) => r[0]?.p)).size).toBe(3);
    await driver.close();
    await waitFor(async () => (await sessions()) === 0, 'the sessions to be closed');
  });

  it('connectAll fails when the server cannot be reached', async () => {
    const driver = new PostgresDriver('postgres://postgres@127.0.0.1:1/none', {
      connections: 2,
      connectTimeoutMs: 2_000,
    });
    await expect(driver.connectAll()).rejects.toThrow();
    await driver.close();
  });
});
