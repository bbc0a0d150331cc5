import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../../test/support/capture-io.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../../test/support/databases.js';
import { mariadbExec, pgExec } from '../../../test/support/data-tables.js';
import { main } from '../main.js';

let pgDb: TestDatabase;
let myDb: TestDatabase;
let dir: string;

beforeAll(async () => {
  [pgDb, myDb] = await Promise.all([
    createPostgresDatabase('tminus_cli'),
    createMariadbDatabase('tminus_cli'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'tminus-cli-data-'));
  const common = (ids: string) => [
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer varchar(40), total decimal(10,2))`,
    `INSERT INTO orders VALUES ${ids}`,
    `CREATE TABLE nokey (a int, b text)`,
  ];
  await Promise.all([
    mariadbExec(myDb.url, [
      ...common(`(1,'ann',10.50),(2,'bob',20.00),(3,'cy',5.25),(4,'dee',0.01)`),
      `CREATE TABLE same (id int PRIMARY KEY)`,
      `INSERT INTO same VALUES (1),(2)`,
      `CREATE TABLE docs (id int PRIMARY KEY, body json)`,
      `INSERT INTO docs VALUES (1, '{"b":1,"a":[1.0,null]}'), (2, 'null'), (3, '[]')`,
    ]),
    pgExec(pgDb.url, [
      `CREATE TABLE docs (id int PRIMARY KEY, body jsonb)`,
      `INSERT INTO docs VALUES (1, '{"a": [1, null], "b": 1}'), (2, NULL), (3, '[]')`,
      ...common(`(1,'ann',10.50),(2,'bob',21.00),(4,'dee',0.01),(9,'zed',1.00)`),
      `CREATE TABLE same (id int PRIMARY KEY)`,
      `INSERT INTO same VALUES (1),(2)`,
    ]),
  ]);
});

afterAll(async () => {
  await Promise.all([pgDb?.drop(), myDb?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]) {
  const io = captureIo(dir);
  const code = await main(['data', 'diff', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('tminus data diff', () => {
  it('exits 0 and says identical when the tables match', async () => {
    const r = await run('--source', myDb.url, '--target', pgDb.url, '--table', 'same');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ same\s+2 → 2 rows\s+identical/);
  });

  it('exits 1 and prints the documented JSON with every differing key', async () => {
    const r = await run('--source', myDb.url, '--target', pgDb.url, '--table', 'orders', '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { tables: Record<string, unknown>[] };
    expect(json.tables).toHaveLength(1);
    expect(json.tables[0]).toMatchObject({
      table: 'orders',
      sourceRows: 4,
      targetRows: 4,
      status: 'different',
      missingInTarget: [3],
      missingInSource: [9],
      changed: [{ key: 2, columns: ['total'] }],
      truncated: false,
    });
  });

  it('writes Markdown and HTML reconciliation reports with the differing values side by side', async () => {
    const md = join(dir, 'recon.md');
    const html = join(dir, 'recon.html');
    expect(
      (await run('--source', myDb.url, '--target', pgDb.url, '--table', 'orders,same', '--report', md)).code,
    ).toBe(1);
    expect(
      (await run('--source', myDb.url, '--target', pgDb.url, '--table', 'orders', '--report', html)).code,
    ).toBe(1);
    const text = readFileSync(md, 'utf8');
    expect(text).toContain('**DIFFERENCES FOUND**');
    expect(text).toMatch(/\| orders \| 4 \| 4 \| different \| 1 \| 1 \| 1 \|/);
    expect(text).toMatch(/\| same \| 2 \| 2 \| identical \|/);
    expect(text).toContain('| 2 | total | "20.00" | "21.00" |');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<td class="src">&quot;20.00&quot;</td><td class="dst">&quot;21.00&quot;</td>');
    expect(page).toContain('<code>3</code>');
  });

  it('compares every table with --all and reports a table that exists on one side only', async () => {
    await pgExec(pgDb.url, ['CREATE TABLE only_target (id int PRIMARY KEY)']);
    const r = await run('--source', myDb.url, '--target', pgDb.url, '--all', '--json');
    const json = JSON.parse(r.out) as {
      tables: { table: string; status: string; error?: { code: string } }[];
    };
    expect(json.tables.map((t) => [t.table, t.status, t.error?.code])).toEqual([
      ['docs', 'different', undefined],
      ['nokey', 'error', 'DATA_NO_KEY'],
      ['orders', 'different', undefined],
      ['same', 'identical', undefined],
      ['only_target', 'error', 'DATA_TABLE_NOT_FOUND'],
    ]);
    expect(r.code).toBe(2);
    const keyed = await run(
      '--source',
      myDb.url,
      '--target',
      pgDb.url,
      '--all',
      '--key',
      'a',
      '--columns',
      'a',
    );
    // Keyed by a: nokey compares; the other tables have no column a (exit 2 names it), only_target differs.
    expect(keyed.out).toContain('key column a is not a column of orders');
  });

  it('compares JSON by value on both paths, or as text with --json-as-text', async () => {
    const args = ['--source', myDb.url, '--target', pgDb.url, '--table', 'docs', '--json'];
    for (const extra of [[], ['--no-checksums']]) {
      const r = await run(...args, ...extra);
      expect(r.code).toBe(1);
      const table = (JSON.parse(r.out) as { tables: { changed: unknown[]; notes: { message: string }[] }[] })
        .tables[0]!;
      // Row 1 is the same document spelled differently; row 2 holds JSON null on one side, SQL NULL on the other.
      expect(table.changed).toEqual([{ key: 2, columns: ['body'] }]);
      expect(table.notes.map((n) => n.message)).toContain(
        'body: JSON compared by value: no engine pair agrees on a canonical JSON text in SQL, so its checksums are computed in tminus from the downloaded rows (slower than in-database checksums)',
      );
    }
    const text = await run(...args, '--json-as-text');
    const changed = (JSON.parse(text.out) as { tables: { changed: { key: number }[] }[] }).tables[0]!.changed;
    expect(changed.map((c) => c.key)).toEqual([1, 2]);
  });

  it('compares a table without a primary key when given --key', async () => {
    const r = await run('--source', myDb.url, '--target', pgDb.url, '--table', 'nokey', '--key', 'a');
    expect(r.code).toBe(0);
  });

  it('reports every usage problem at once and exits 2', async () => {
    const r = await run(
      '--source',
      'foo://x',
      '--float-decimals',
      'many',
      '--connections',
      '0',
      '--load-time-zone',
      'Mars/Base',
      '--report',
      'out.pdf',
      '--recheck-after',
      'soon',
      '--timestamp-rounding',
      'nearest',
    );
    expect(r.code).toBe(2);
    for (const needle of [
      '--target: required',
      "--source: unsupported scheme 'foo:'",
      '--table or --all',
      "--float-decimals: expected a number, got 'many'",
      '--connections:',
      '--load-time-zone: not a known time zone',
      '--report: out.pdf must end in .md or .html',
      '--recheck-after: expected a duration',
      "--timestamp-rounding: expected round or truncate, got 'nearest'",
    ]) {
      expect(r.err).toContain(needle);
    }
  });

  it('names an unknown table and a missing primary key, exit 2', async () => {
    const r = await run('--source', myDb.url, '--target', pgDb.url, '--table', 'nope', '--table', 'nokey');
    expect(r.code).toBe(2);
    expect(r.out).toContain('table nope not found on either side');
    expect(r.out).toContain('table nokey has no primary key on the source');
    expect(r.out).toContain('hint: pass the columns that identify a row');
  });

  it('never prints the password of a connection URL, even when the connection fails', async () => {
    const bad = 'postgres://postgres:Sup3rS3cret@127.0.0.1:1/db';
    const r = await run('--source', bad, '--target', pgDb.url, '--table', 'orders');
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot connect to postgres://postgres@127.0.0.1:1/db');
    expect(r.err + r.out).not.toContain('Sup3rS3cret');
    const wrong = await run(
      '--source',
      'mysql://root:Sup3rS3cret@127.0.0.1:3306/no_such_db',
      '--target',
      pgDb.url,
      '--table',
      'x',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/cannot connect to mysql:\/\/root@127\.0\.0\.1:3306\/no_such_db/);
    expect(wrong.err + wrong.out).not.toContain('Sup3rS3cret');
  });

  it('names a SQLite file that does not exist', async () => {
    const r = await run(
      '--source',
      `sqlite:${join(dir, 'missing.db')}`,
      '--target',
      pgDb.url,
      '--table',
      'orders',
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot open sqlite:${join(dir, 'missing.db')}`);
  });

  it('draws a progress bar on a terminal only', async () => {
    const io = captureIo(dir, { tty: true });
    await main(['data', 'diff', '--source', myDb.url, '--target', pgDb.url, '--table', 'same'], io);
    expect(io.err()).toMatch(/same \[#+\] 100% 2\/2 rows · 1 segments/);
    const plain = await run('--source', myDb.url, '--target', pgDb.url, '--table', 'same');
    expect(plain.err).toBe('');
  });
  it('takes --source and --target as connection names of a plan, resolving their secret references', async () => {
    const plan = readFileSync(new URL('../../../templates/minimal.yaml', import.meta.url), 'utf8').replace(
      /^phases:/m,
      `connections:
  legacy: { kind: mariadb, url: "mysql://root@127.0.0.1:3306/\${env:TMINUS_TEST_LEGACY_DB}" }
  cloud: { kind: postgres, url: "${pgDb.url}" }
phases:`,
    );
    writeFileSync(join(dir, 'plan.yaml'), plan);
    const io = captureIo(dir);
    (io.env as Record<string, string>).TMINUS_TEST_LEGACY_DB = myDb.name;
    const code = await main(
      ['data', 'diff', '--plan', 'plan.yaml', '--source', 'legacy', '--target', 'cloud', '--table', 'same'],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    // Every value resolved from a secret reference is redacted, as the engine does.
    expect(io.out()).toContain('mysql://root@127.0.0.1:3306/*** →');
    expect(io.out()).not.toContain(myDb.name);
    const unknown = await run(
      '--plan',
      'plan.yaml',
      '--source',
      'nope',
      '--target',
      'cloud',
      '--table',
      'same',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(
      'connection nope is not declared in plan.yaml (connections: legacy, cloud)',
    );
    const unset = await run(
      '--plan',
      'plan.yaml',
      '--source',
      'legacy',
      '--target',
      'cloud',
      '--table',
      'same',
    );
    expect(unset.err).toContain('connection legacy: ${env:TMINUS_TEST_LEGACY_DB} is not set');
  });
});
