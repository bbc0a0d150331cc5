import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { ROOT, cli, ensureBuilt } from '../support/cli.js';

const BIN = join(ROOT, 'bin', 'tminus.js');
const dir = mkdtempSync(join(tmpdir(), 'tminus-store-errors-'));
const store = join(dir, '.tminus', 'tminus.db');
const run = (args: string[], env: Record<string, string> = {}) => cli(args, { cwd: dir, env });

/**
 * Runs the built CLI as someone who may read the store but not write it: `nobody` when the tests run as
 * root (root may write anything), else this user with the files made read-only.
 */
function asReader(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  const root = process.getuid?.() === 0;
  const command = root ? 'setpriv' : process.execPath;
  const argv = root
    ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]
    : [BIN, ...args];
  const r = spawnSync(command, argv, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: tmpdir() },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ensureBuilt();
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'plan.yaml'));
  const r = await run(['run', 'plan.yaml', '--speed', '5000', '--auto-approve', '--dry-run'], {
    TMINUS_TEST_OUT: join(dir, 'out.txt'),
  });
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

afterAll(() => {
  chmodSync(join(dir, '.tminus'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('stores that cannot be used', () => {
  it('refuses a --store scheme it does not support, creating nothing', async () => {
    const before = readdirSync(dir).sort();
    const r = await run(['status', '--store', 'mysql://root:pw@127.0.0.1/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--store: 'mysql://root:***@127.0.0.1/x' is not a store tminus can keep runs in",
    );
    expect(r.stderr).toContain('mysql:// is not supported');
    expect(r.stderr).not.toContain(':pw@');
    const started = await run(['run', 'plan.yaml', '--store', 'mysql://root@127.0.0.1/x']);
    expect(started.code).toBe(2);
    expect(started.stderr).toContain("'mysql://root@127.0.0.1/x' is not a store");
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('calls a PostgreSQL store it cannot open STORE_UNREACHABLE, not a file problem (exit 2)', async () => {
    const url = 'postgres://postgres@127.0.0.1:5432/tminus_speed_no_such_database';
    await expect(PostgresStore.open(url)).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
    const r = await run(['status', '--store', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot open the PostgreSQL store');
    expect(r.stderr).toContain('tminus_speed_no_such_database');
  });

  it("refuses a store URL whose prepared_statements is neither 'on' nor 'off', naming the value (exit 2)", async () => {
    const url = 'postgres://postgres:pw@127.0.0.1:5432/pgprep_never_opened?prepared_statements=of';
    await expect(PostgresStore.open(url)).rejects.toMatchObject({
      code: 'USAGE',
      message: "the store URL's prepared_statements='of' is neither 'on' nor 'off'",
    });
    const r = await run(['status', '--store', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("prepared_statements='of' is neither 'on' nor 'off'");
    expect(r.stderr).toContain('PgBouncer');
    expect(r.stderr).not.toContain(':pw@');
  });

  it('names a file that is not a database, leaves it untouched, and never calls it a bug', async () => {
    const file = join(dir, 'notes.db');
    writeFileSync(file, 'meeting notes, not a database\n'.repeat(100));
    const bytes = readFileSync(file);
    for (const args of [
      ['status'],
      ['log'],
      ['audit', 'verify'],
      ['vote', 'go-no-go', 'go', '--as', 'alice'],
    ]) {
      const r = await run([...args, '--store', file]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`${file} is not a tminus store or is damaged`);
      expect(r.stderr).toContain('put back a copy from a backup');
      expect(r.stderr).not.toContain('bug in tminus');
    }
    const started = await run(['run', 'plan.yaml', '--store', file]);
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(`${file} is not a tminus store or is damaged`);
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('refuses a SQLite database of something else instead of adding its tables to it', async () => {
    const other = join(dir, 'other.db');
    spawnSync('sqlite3', [other, 'CREATE TABLE invoices (id INTEGER)']);
    if (!existsSync(other)) {
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(other);
      db.exec('CREATE TABLE invoices (id INTEGER)');
      db.close();
    }
    const r = await run(['run', 'plan.yaml', '--store', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${other} is a SQLite database, but not a tminus store`);
  });

  it('names a truncated store and what to do', async () => {
    const copy = join(dir, 'truncated.db');
    copyFileSync(store, copy);
    truncateSync(copy, Math.floor(statSync(copy).size / 2));
    for (const args of [['status'], ['log', '--json'], ['audit', 'verify']]) {
      const r = await run([...args, '--store', copy]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`${copy} is not a tminus store or is damaged`);
      expect(r.stderr).not.toContain('bug in tminus');
    }
  });

  it('says so when the store cannot be created (no such place, or not writable)', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const r = await run(['run', 'plan.yaml', '--store', join(blocker, 'tminus.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot create the store ${join(blocker, 'tminus.db')}`);
    expect(r.stderr).toMatch(/EEXIST|ENOTDIR/);
    expect(r.stderr).toContain('--store PATH');
    expect(r.stderr).not.toContain('bug in tminus');
  });

  it('lets a user who may read but not write the store look (status, log, audit verify), and refuses writes clearly', () => {
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'plan.yaml'), 0o644);
    if (process.getuid?.() !== 0) {
      chmodSync(store, 0o444);
      chmodSync(join(dir, '.tminus'), 0o555);
    }
    const status = asReader(['status']);
    // The only line on stderr says which run it reads.
    expect(status.stderr).toMatch(/^run \S+ \(plan shop-rehearsal, rehearsal, ended: completed\) in .+\n$/);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('completed');
    const log = asReader(['log']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('run ended: COMPLETED');
    // It reads the journal; without the journal key (kept owner-only by whoever writes) it cannot vouch for it,
    // and says so rather than calling it intact or failing on the store.
    const audit = asReader(['audit', 'verify']);
    expect(audit.code, audit.stderr).toBe(1);
    expect(audit.stdout + audit.stderr).toMatch(/UNVERIFIABLE/i);
    expect(audit.stdout + audit.stderr).not.toMatch(
      /cannot (open|write|create) the store|bug in tminus|intact/,
    );
    const before = readFileSync(store);
    const write = asReader(['run', 'plan.yaml']);
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/cannot (write|open|create) the store/);
    expect(write.stderr).toContain(store);
    expect(write.stderr).not.toContain('bug in tminus');
    expect(readFileSync(store)).toEqual(before);
    expect(readdirSync(join(dir, '.tminus'))).toEqual(['tminus.db']);
  });
});

describe('output closed early', () => {
  it('`tminus log --json | head -c 100` ends quietly', async () => {
    // Enough events that the output does not fit the pipe before it is closed.
    const child = spawn(process.execPath, [BIN, 'log', '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});
