import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeExpectation } from '../../test/support/data-corpus.js';
import {
  edgeRows,
  injectedEdgeRows,
  loadEdgeMariadb,
  loadEdgePostgres,
  loadEdgeSqlite,
  loadTimestampsMariadb,
  loadTimestampsPostgres,
  loadTimestampsSqlite,
} from '../../test/support/data-corpus.js';
import { pgExec } from '../../test/support/data-tables.js';
import type { TestDatabase } from '../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../test/support/databases.js';
import type { CompareOptions } from './compare-options.js';
import { dataDiff } from './data-diff.js';
import type { TableResult } from './diff-result.js';
import { openDialect } from './open-dialect.js';
import { SystemClock } from '../engine/system-clock.js';

/*
 * Databases: `A` hold the corpus with the first spelling of every JSON document and full-precision timestamps;
 * `B` the same values with the second spelling and timestamps copied into precisions 0–6 by the engine itself;
 * `X` the second spelling with injected differences (and, in PostgreSQL, timestamps truncated by a loader).
 */
let pgA: TestDatabase;
let pgB: TestDatabase;
let pgX: TestDatabase;
let myA: TestDatabase;
let myB: TestDatabase;
let myX: TestDatabase;
let dir: string;
let sqliteB: string;
let sqliteX: string;
let expected: EdgeExpectation;

beforeAll(async () => {
  [pgA, pgB, pgX, myA, myB, myX] = await Promise.all([
    createPostgresDatabase('tminus_edge'),
    createPostgresDatabase('tminus_edge'),
    createPostgresDatabase('tminus_edge'),
    createMariadbDatabase('tminus_edge'),
    createMariadbDatabase('tminus_edge'),
    createMariadbDatabase('tminus_edge'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'tminus-edge-'));
  sqliteB = join(dir, 'edge-b.db');
  sqliteX = join(dir, 'edge-x.db');
  const injected = injectedEdgeRows('b');
  expected = injected.expected;
  await Promise.all([
    loadEdgePostgres(pgA.url, edgeRows('a')).then(() => loadTimestampsPostgres(pgA.url, 'full')),
    loadEdgePostgres(pgB.url, edgeRows('b')).then(() => loadTimestampsPostgres(pgB.url, 'copy')),
    loadEdgePostgres(pgX.url, injected.rows).then(() => loadTimestampsPostgres(pgX.url, 'truncated-copy')),
    loadEdgeMariadb(myA.url, edgeRows('a')).then(() => loadTimestampsMariadb(myA.url, 'full')),
    loadEdgeMariadb(myB.url, edgeRows('b')).then(() => loadTimestampsMariadb(myB.url, 'copy')),
    loadEdgeMariadb(myX.url, injected.rows),
  ]);
  loadEdgeSqlite(sqliteB, edgeRows('b'));
  loadTimestampsSqlite(sqliteB, 'full');
  loadEdgeSqlite(sqliteX, injected.rows);
  loadTimestampsSqlite(sqliteX, 'copy');
}, 120_000);

afterAll(async () => {
  await Promise.all([pgA?.drop(), pgB?.drop(), pgX?.drop(), myA?.drop(), myB?.drop(), myX?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function compare(
  source: string,
  target: string,
  table: string,
  options: CompareOptions = {},
): Promise<TableResult> {
  const [s, t] = await Promise.all([openDialect(source), openDialect(target)]);
  try {
    const report = await dataDiff({
      source: s,
      target: t,
      tables: [table],
      options: { downloadThreshold: 100, ...options },
      clock: new SystemClock(),
    });
    return report.tables[0]!;
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

/** What both paths must agree on: every listed difference, every count and every note. */
function outcome(r: TableResult) {
  return {
    status: r.status,
    error: r.error,
    sourceRows: r.sourceRows,
    targetRows: r.targetRows,
    missingInTarget: r.missingInTarget,
    missingInSource: r.missingInSource,
    changed: r.changed,
    counts: r.counts,
    notes: r.notes,
  };
}

/** Runs the checksum path and the download path on the same tables; their reports must be the same. */
async function bothPaths(
  source: string,
  target: string,
  table: string,
  options: CompareOptions = {},
): Promise<TableResult> {
  const checksums = await compare(source, target, table, options);
  const download = await compare(source, target, table, { ...options, checksums: false });
  expect(checksums.error).toBeUndefined();
  expect(download.stats.rowsDownloaded).toBeGreaterThanOrEqual(download.sourceRows ?? 0);
  expect(outcome(download)).toEqual(outcome(checksums));
  return checksums;
}

function expectIdentical(r: TableResult, rows = 60): void {
  expect(r.error).toBeUndefined();
  expect({
    changed: r.changed,
    missingInTarget: r.missingInTarget,
    missingInSource: r.missingInSource,
  }).toEqual({ changed: [], missingInTarget: [], missingInSource: [] });
  expect(r.status).toBe('identical');
  expect(r.sourceRows).toBe(rows);
  expect(r.targetRows).toBe(rows);
}

function expectInjected(r: TableResult, without: readonly string[] = []): void {
  expect(r.error).toBeUndefined();
  const changed = expected.changed
    .map((c) => ({ key: c.key, columns: c.columns.filter((col) => !without.includes(col)) }))
    .filter((c) => c.columns.length > 0);
  expect(r.changed.map((c) => ({ key: c.key, columns: c.columns }))).toEqual(changed);
  expect(r.missingInTarget).toEqual(expected.missingInTarget);
  expect(r.missingInSource).toEqual(expected.missingInSource);
  expect(r.truncated).toBe(false);
}

const url = {
  pgA: () => pgA.url,
  pgB: () => pgB.url,
  pgX: () => pgX.url,
  myA: () => myA.url,
  myB: () => myB.url,
  myX: () => myX.url,
  sqliteB: () => `sqlite:${sqliteB}`,
  sqliteX: () => sqliteX,
};
type Db = keyof typeof url;

/** Every engine pair: a clean source against a clean copy and against a copy with injected differences. */
const PAIRS: readonly { name: string; source: Db; clean: Db; injected: Db; options?: CompareOptions }[] = [
  { name: 'PostgreSQL → PostgreSQL (native hash)', source: 'pgA', clean: 'pgB', injected: 'pgX' },
  {
    name: 'PostgreSQL → PostgreSQL (canonical)',
    source: 'pgA',
    clean: 'pgB',
    injected: 'pgX',
    options: { nativeHash: false },
  },
  { name: 'MariaDB → MariaDB', source: 'myA', clean: 'myB', injected: 'myX' },
  { name: 'MariaDB → PostgreSQL', source: 'myA', clean: 'pgB', injected: 'pgX' },
  { name: 'PostgreSQL → MariaDB', source: 'pgA', clean: 'myB', injected: 'myX' },
  { name: 'SQLite → PostgreSQL', source: 'sqliteB', clean: 'pgA', injected: 'pgX' },
  { name: 'PostgreSQL → SQLite', source: 'pgA', clean: 'sqliteB', injected: 'sqliteX' },
  { name: 'SQLite → MariaDB', source: 'sqliteB', clean: 'myA', injected: 'myX' },
  { name: 'MariaDB → SQLite', source: 'myA', clean: 'sqliteB', injected: 'sqliteX' },
];

describe('the type-edge corpus on every engine pair, checksum and download paths', () => {
  for (const pair of PAIRS) {
    it(`${pair.name}: no false difference, JSON compared by value`, async () => {
      const r = await bothPaths(url[pair.source](), url[pair.clean](), 'edge', pair.options);
      expectIdentical(r);
      if (pair.name.includes('native')) expect(r.stats.nativeHash).toBe(true);
      if (pair.options?.nativeHash === false) expect(r.stats.nativeHash).toBe(false);
    });

    it(`${pair.name}: every injected difference and every one-sided row found`, async () => {
      expectInjected(await bothPaths(url[pair.source](), url[pair.injected](), 'edge', pair.options));
    });

    it(`${pair.name}: the same without JSON columns, every checksum computed in the databases`, async () => {
      const options = { ...pair.options, exclude: ['j', 'jb'] };
      expectInjected(await bothPaths(url[pair.source](), url[pair.injected](), 'edge', options), ['j', 'jb']);
    });
  }

  it('keeps JSON null and SQL NULL apart and shows the canonical JSON of both sides', async () => {
    const r = await compare(myA.url, pgX.url, 'edge');
    const byKey = new Map(r.changed.map((c) => [c.key, c]));
    const rows = edgeRows('a');
    expect(byKey.get(rows[6]!.id)).toMatchObject({ source: { j: 'null' }, target: { j: null } });
    expect(byKey.get(rows[5]!.id)).toMatchObject({ source: { j: null }, target: { j: 'null' } });
    expect(byKey.get(rows[8]!.id)).toMatchObject({ source: { j: '{"n":100}' }, target: { j: '{"n":101}' } });
    expect(byKey.get(rows[20]!.id)).toMatchObject({ source: { j: '"[1,2]"' }, target: { j: '[1,2]' } });
  });

  it('says in the report how JSON columns were compared', async () => {
    const cross = await compare(myA.url, pgB.url, 'edge');
    expect(cross.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^j: JSON compared by value/)]),
    );
    const native = await compare(pgA.url, pgB.url, 'edge');
    expect(native.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^j: .*no native hash for type json/)]),
    );
  });

  it('compares JSON as stored text with jsonAsText, as before', async () => {
    const r = await compare(myA.url, pgB.url, 'edge', { jsonAsText: true, columns: ['j'] });
    expect(r.status).toBe('different');
    expect(r.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/JSON compared as stored text/)]),
    );
  });

  it('compares rows by key hash buckets with the same result', async () => {
    const clean = await bothPaths(myA.url, pgB.url, 'edge', { key: ['id', 't_char'] });
    expect(clean.mode).toBe('buckets');
    expectIdentical(clean);
    const injected = await bothPaths(pgA.url, myX.url, 'edge', { key: ['id', 't_char'] });
    expect(injected.mode).toBe('buckets');
    expect(injected.counts).toEqual({
      changed: expected.changed.length,
      missingInTarget: expected.missingInTarget.length,
      missingInSource: expected.missingInSource.length,
    });
  });
});

describe('timestamps copied into precisions 0–6', () => {
  const rows = 27;
  const COPIES: readonly [string, Db, Db, RegExp][] = [
    ['PostgreSQL → PostgreSQL (PostgreSQL rounded)', 'pgA', 'pgB', /rounded as PostgreSQL does/],
    ['MariaDB → PostgreSQL (PostgreSQL rounded)', 'myA', 'pgB', /rounded as PostgreSQL does/],
    ['SQLite → PostgreSQL (PostgreSQL rounded)', 'sqliteB', 'pgB', /rounded as PostgreSQL does/],
    ['MariaDB → MariaDB (MariaDB truncated)', 'myA', 'myB', /truncated as MariaDB does/],
    ['PostgreSQL → MariaDB (MariaDB truncated)', 'pgA', 'myB', /truncated as MariaDB does/],
    ['PostgreSQL → SQLite (truncated)', 'pgA', 'sqliteX', /truncated as SQLite/],
    ['MariaDB → SQLite (truncated)', 'myA', 'sqliteX', /truncated as SQLite/],
  ];
  for (const [name, source, target, note] of COPIES) {
    it(`${name}: no false difference, and the report says which rule`, async () => {
      const r = await bothPaths(url[source](), url[target](), 'edge_ts');
      expectIdentical(r, rows);
      expect(r.notes.find((n) => n.column === 'p3')?.message).toMatch(note);
      expect(r.notes.find((n) => n.column === 'p6')).toBeUndefined();
    });
  }

  it('a rounded copy as the source compares with its full-precision original as the target', async () => {
    expectIdentical(await bothPaths(pgB.url, pgA.url, 'edge_ts'), rows);
    expectIdentical(await bothPaths(myB.url, myA.url, 'edge_ts'), rows);
  });

  it('a PostgreSQL copy truncated by its loader needs --timestamp-rounding truncate', async () => {
    const rounded = await bothPaths(pgA.url, pgX.url, 'edge_ts');
    expect(rounded.status).toBe('different');
    // Only columns whose precision was reduced can differ, and only where rounding and truncation disagree.
    expect(rounded.changed.every((c) => c.columns.every((col) => col !== 'p6'))).toBe(true);
    expect(rounded.counts.missingInTarget + rounded.counts.missingInSource).toBe(0);
    const truncated = await bothPaths(pgA.url, pgX.url, 'edge_ts', { timestampRounding: 'truncate' });
    expectIdentical(truncated, rows);
    expect(truncated.notes.find((n) => n.column === 'p0')?.message).toMatch(
      /truncated \(--timestamp-rounding\)/,
    );
    // And a MariaDB copy (truncated) compared with rounding forced shows the rows where rounding carries.
    const forced = await compare(myA.url, myB.url, 'edge_ts', { timestampRounding: 'round' });
    expect(forced.status).toBe('different');
  });
});

describe('PostgreSQL read by key ranges and by heap pages', () => {
  // Analysed copies of the corpus: `edge_keys` with its heap in key order (read by key ranges, one plain sum
  // per key group over an index range scan), `edge_heap` with its heap in another order (read by heap pages
  // with a grouped query).
  beforeAll(async () => {
    await Promise.all(
      [pgA, pgB, pgX].map((db) =>
        pgExec(db.url, [
          'CREATE TABLE edge_keys (LIKE edge INCLUDING ALL)',
          'INSERT INTO edge_keys SELECT * FROM edge ORDER BY id',
          'CREATE TABLE edge_heap (LIKE edge INCLUDING ALL)',
          'INSERT INTO edge_heap SELECT * FROM edge ORDER BY md5(id::text)',
          'ANALYZE edge_keys',
          'ANALYZE edge_heap',
        ]),
      ),
    );
  }, 60_000);

  for (const [table, by] of [
    ['edge_keys', 'keys'],
    ['edge_heap', 'pages'],
  ] as const) {
    it(`${table}: read by ${by}, no false difference and every injected difference, both hashes`, async () => {
      const d = await openDialect(pgX.url);
      try {
        expect(await d.scanLayout({ table, specs: [], key: ['id'] })).toMatchObject({ by });
      } finally {
        await d.close();
      }
      for (const nativeHash of [true, false]) {
        expectIdentical(await bothPaths(pgA.url, pgB.url, table, { nativeHash }));
        expectInjected(await bothPaths(pgA.url, pgX.url, table, { nativeHash }));
      }
    });
  }
});
