import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../test/support/databases.js';
import {
  keyOf,
  mariadbExec,
  mariadbTableSql,
  pgExec,
  postgresTableSql,
} from '../../test/support/data-tables.js';
import type { CompareOptions } from './compare-options.js';
import { dataDiff } from './data-diff.js';
import type { TableResult } from './diff-result.js';
import { openDialect } from './open-dialect.js';
import { SystemClock } from '../engine/system-clock.js';

const ROWS = 150_000;
let pgSource: TestDatabase;
let pgTarget: TestDatabase;
let mySource: TestDatabase;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (gs: number[]) => gs.map(keyOf);

beforeAll(async () => {
  [pgSource, pgTarget, mySource] = await Promise.all([
    createPostgresDatabase('tminus_inj'),
    createPostgresDatabase('tminus_inj'),
    createMariadbDatabase('tminus_inj'),
  ]);
  await Promise.all([
    // Analysed, as a real table would be: in key order, so PostgreSQL sides are read by key ranges.
    pgExec(pgSource.url, [...postgresTableSql('big', ROWS), 'ANALYZE big']),
    mariadbExec(mySource.url, mariadbTableSql('big', ROWS)),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([pgSource?.drop(), pgTarget?.drop(), mySource?.drop()]);
});

/** A fresh target copy with the given changes applied. */
async function target(changes: string[]): Promise<void> {
  await pgExec(pgTarget.url, [
    'DROP TABLE IF EXISTS big',
    'DROP TABLE IF EXISTS shuffled',
    ...postgresTableSql('big', ROWS),
    ...changes,
    'ANALYZE big',
  ]);
}

async function compare(source: string, options: CompareOptions = {}): Promise<TableResult> {
  const sessions = (options.connections ?? 1) + 1;
  const [s, t] = await Promise.all([
    openDialect(source, { connections: sessions }),
    openDialect(pgTarget.url, { connections: sessions }),
  ]);
  try {
    const report = await dataDiff({
      source: s,
      target: t,
      tables: ['big'],
      options: { maxDiffs: 200_000, ...options },
      clock: new SystemClock(),
    });
    return report.tables[0]!;
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

const inList = (keys: number[]) => `(${keys.join(',')})`;

describe('injected differences on a 150,000-row table with gapped integer keys', () => {
  it('finds exactly one changed column of one row, PostgreSQL to PostgreSQL', async () => {
    await target([`UPDATE big SET name = 'changed' WHERE id = ${keyOf(77_777)}`]);
    for (const nativeHash of [true, false]) {
      const r = await compare(pgSource.url, { nativeHash });
      expect(r.status).toBe('different');
      expect(r.changed.map((c) => [c.key, c.columns, c.source.name, c.target.name])).toEqual([
        [keyOf(77_777), ['name'], 'name-77777', 'changed'],
      ]);
      expect(r.missingInTarget).toEqual([]);
      expect(r.missingInSource).toEqual([]);
    }
  });

  it('finds exactly 100 scattered changes and 50 extra target rows, MariaDB to PostgreSQL', async () => {
    const changed = range(0, 99).map((k) => 1500 * k + 7);
    const extra = [...range(1, 25).map((k) => 3 * k + 1), ...range(1, 25).map((k) => 2_000_000 + k)];
    await target([
      `UPDATE big SET score = score + 1 WHERE id IN ${inList(ids(changed))}`,
      `INSERT INTO big (id, name) SELECT x, 'extra' FROM unnest(ARRAY[${extra.join(',')}]::bigint[]) x`,
    ]);
    const r = await compare(mySource.url);
    expect(r.changed.map((c) => c.key)).toEqual(ids(changed));
    expect(new Set(r.changed.flatMap((c) => c.columns))).toEqual(new Set(['score']));
    expect(r.missingInSource).toEqual([...extra].sort((a, b) => a - b));
    expect(r.missingInTarget).toEqual([]);
    expect(r.targetRows).toBe(ROWS + 50);
  });

  it('downloads only the rows around 100 scattered changes, PostgreSQL to PostgreSQL, both hashes', async () => {
    const changed = range(0, 99).map((k) => 1499 * k + 11);
    await target([`UPDATE big SET note = coalesce(note, '') || '!' WHERE id IN ${inList(ids(changed))}`]);
    for (const nativeHash of [true, false]) {
      const r = await compare(pgSource.url, { nativeHash });
      expect(r.changed.map((c) => c.key)).toEqual(ids(changed));
      expect(r.counts).toEqual({ changed: 100, missingInTarget: 0, missingInSource: 0 });
      // Key groups of about 256 rows differ; checksummed again by groups of a few keys, only those are
      // downloaded (all 100 groups downloaded whole would be over 50,000 rows).
      expect(r.stats.rowsDownloaded).toBeLessThan(5_000);
    }
  });

  it('finds exactly 10,000 scattered changes with three sessions per side', async () => {
    const changed = range(1, ROWS).filter((g) => g % 15 === 0);
    await target([
      `UPDATE big SET note = 'zz' WHERE id IN (SELECT CASE WHEN g <= 100000 THEN g * 3 ELSE 1000000 + g * 5 END FROM generate_series(15, ${ROWS}, 15) g)`,
    ]);
    const r = await compare(pgSource.url, { connections: 3 });
    expect(r.counts).toEqual({ changed: 10_000, missingInTarget: 0, missingInSource: 0 });
    expect(r.changed.map((c) => c.key)).toEqual(ids(changed));
    expect(r.truncated).toBe(false);
  });

  it('finds exactly one missing block of 100,000 rows, MariaDB to PostgreSQL', async () => {
    await target([`DELETE FROM big WHERE id BETWEEN ${keyOf(20_001)} AND ${keyOf(120_000)}`]);
    const r = await compare(mySource.url);
    expect(r.counts).toEqual({ changed: 0, missingInTarget: 100_000, missingInSource: 0 });
    expect(r.missingInTarget).toEqual(ids(range(20_001, 120_000)));
    expect(r.targetRows).toBe(50_000);
  });

  it('caps the listed keys and says so, keeping the full counts', async () => {
    await target([`DELETE FROM big WHERE id BETWEEN ${keyOf(1)} AND ${keyOf(5_000)}`]);
    const r = await compare(pgSource.url, { maxDiffs: 10 });
    expect(r.counts.missingInTarget).toBe(5_000);
    expect(r.missingInTarget).toHaveLength(10);
    expect(r.truncated).toBe(true);
  });

  it('counts a large missing block without downloading it once the key list is full', async () => {
    await target([`DELETE FROM big WHERE id BETWEEN ${keyOf(20_001)} AND ${keyOf(120_000)}`]);
    const r = await compare(pgSource.url, { maxDiffs: 10 });
    expect(r.counts).toEqual({ changed: 0, missingInTarget: 100_000, missingInSource: 0 });
    expect(r.missingInTarget).toHaveLength(10);
    const deleted = new Set(ids(range(20_001, 120_000)));
    expect(r.missingInTarget.every((k) => deleted.has(k as number))).toBe(true);
    expect(r.stats.rowsDownloaded).toBeLessThan(60_000);
  });

  it('reads an analysed PostgreSQL table by key ranges when its heap is in key order, else by heap pages', async () => {
    await target([]);
    await pgExec(pgTarget.url, [
      'CREATE TABLE shuffled AS SELECT * FROM big ORDER BY md5(id::text)',
      'ALTER TABLE shuffled ADD PRIMARY KEY (id)',
      'ANALYZE shuffled',
    ]);
    const d = await openDialect(pgTarget.url);
    try {
      expect(await d.scanLayout({ table: 'big', specs: [], key: ['id'] })).toEqual({
        by: 'keys',
        listed: true,
      });
      expect(await d.scanLayout({ table: 'shuffled', specs: [], key: ['id'] })).toMatchObject({
        by: 'pages',
      });
    } finally {
      await d.close();
    }
  });

  it('finds exactly 100 scattered changes and 50 extra rows in a target whose heap is not in key order', async () => {
    const changed = range(0, 99).map((k) => 1497 * k + 5);
    const extra = [...range(1, 25).map((k) => 3 * k + 2), ...range(1, 25).map((k) => 3_000_000 + k)];
    await target([
      `UPDATE big SET amount = amount + 1 WHERE id IN ${inList(ids(changed))}`,
      `INSERT INTO big (id, name) SELECT x, 'extra' FROM unnest(ARRAY[${extra.join(',')}]::bigint[]) x`,
      'CREATE TABLE shuffled AS SELECT * FROM big ORDER BY md5(id::text)',
      'DROP TABLE big',
      'ALTER TABLE shuffled RENAME TO big',
      'ALTER TABLE big ADD PRIMARY KEY (id)',
    ]);
    for (const nativeHash of [true, false]) {
      const r = await compare(pgSource.url, { nativeHash });
      expect(r.changed.map((c) => c.key)).toEqual(ids(changed));
      expect(new Set(r.changed.flatMap((c) => c.columns))).toEqual(new Set(['amount']));
      expect(r.missingInSource).toEqual([...extra].sort((a, b) => a - b));
      expect(r.missingInTarget).toEqual([]);
      expect(r.targetRows).toBe(ROWS + 50);
    }
  });

  it('reports identical tables as identical, reading each side in segments', async () => {
    await target([]);
    const r = await compare(mySource.url);
    expect(r.status).toBe('identical');
    expect(r.counts).toEqual({ changed: 0, missingInTarget: 0, missingInSource: 0 });
    expect(r.stats.rowsDownloaded).toBe(0);
    expect(r.stats.segments).toBeGreaterThan(1);
  });
});
