import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { cli } from '../support/cli.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-store-cli-'));
const databases: TestDatabase[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(databases.map((d) => d.drop()));
}, 60_000);

const run = (args: string[], env: Record<string, string> = {}) => cli(args, { cwd: dir, env });

describe('tminus store migrate', () => {
  it('brings a PostgreSQL store from schema 3 to the latest, then says it is up to date', async () => {
    const db = await createPostgresDatabase('tminus_workers_migrate');
    databases.push(db);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(
      'CREATE TABLE tminus_schema (version integer NOT NULL); INSERT INTO tminus_schema VALUES (3)',
    );
    for (const m of PG_MIGRATIONS.slice(0, 3)) await c.query(m);
    await c.end();
    const first = await run(['store', 'migrate', '--store', db.url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const latest = PG_MIGRATIONS.length;
    const applied = Array.from({ length: latest - 3 }, (_, i) => i + 4);
    expect(first.stdout).toContain(
      `schema 3 → ${latest} (applied migration${applied.length === 1 ? '' : 's'} ${applied.join(', ')})`,
    );
    const again = await run(['store', 'migrate', '--json'], { TMINUS_STORE: db.url });
    expect(JSON.parse(again.stdout)).toMatchObject({ from: latest, to: latest, latest });
  }, 120_000);

  it('brings a SQLite store from schema 3 to the latest', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    for (const m of MIGRATIONS.slice(0, 3)) db.exec(m);
    db.pragma('user_version = 3');
    db.close();
    const r = await run(['store', 'migrate', '--store', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`schema 3 → ${MIGRATIONS.length}`);
  });

  it('says what is wrong with a store it cannot migrate', async () => {
    const missing = await run(['store', 'migrate', '--store', join(dir, 'nope.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no tminus store at ${join(dir, 'nope.db')}`);
    const scheme = await run(['store', 'migrate', '--store', 'mysql://root@127.0.0.1/x']);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain(
      `--store: 'mysql://root@127.0.0.1/x' is not a store tminus can keep runs in`,
    );
  });
});

describe('tminus worker: bad flags', () => {
  it.each([
    [['--lease-ttl', '1s'], `--lease-ttl: '1s' is not a duration of at least 2000 ms`],
    [['--lease-ttl', 'soon'], `--lease-ttl: 'soon' is not a duration of at least 2000 ms`],
    [['--poll', '5ms'], `--poll: '5ms' is not a duration of at least 10 ms`],
    [['--max-runs', '1001'], `--max-runs: '1001' is not a number of runs from 0 to 1000`],
    [['--max-runs', 'many'], `--max-runs: 'many' is not a number of runs from 0 to 1000`],
    [['--max-steps', '-1'], `--max-steps: '-1' is not a number of steps from 0 to 1000`],
    [
      ['--max-runs', '0', '--max-steps', '0'],
      `--max-runs 0 with --max-steps 0: this worker would do nothing`,
    ],
  ])('refuses %j, naming the flag and the value', async (flags, message) => {
    const r = await run(['worker', '--store', join(dir, 'any.db'), ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
