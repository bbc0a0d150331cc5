import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgExec } from '../../test/support/data-tables.js';
import type { TestDatabase } from '../../test/support/databases.js';
import { createPostgresDatabase } from '../../test/support/databases.js';
import { countedDiff, fullJoinDiff } from '../../test/support/diff-oracle.js';
import { MOVED_ROWS } from '../../test/support/moved-rows.js';
import { pageChunks, pagesOf } from './page-chunks.js';

/*
 * Page chunks (PostgreSQL native hashes, heaps laid out alike): a comparison through them reports exactly the
 * differences — rows changed and moved by updates, moved back into vacuumed space, moved on one side only with
 * the same values, deleted, inserted out of key order, under an operator's filter — checked against a full join.
 * A target laid out otherwise (half-full pages, another load order) and a target with too many differing rows
 * take the key groups instead, and are exact too.
 */
let source: TestDatabase;
let target: TestDatabase;
// No autovacuum on the test tables: where updated rows land (so which path a comparison takes) must not
// depend on whether the server's autovacuum ran between two statements.
const TABLE = (options = '', order = 'g', value = 'md5(g::text)') => [
  `CREATE TABLE t (id bigint PRIMARY KEY, v text) WITH (autovacuum_enabled = false${options ? `, ${options}` : ''})`,
  `INSERT INTO t SELECT g * 3 - 3000, ${value} FROM generate_series(0, 30000) g WHERE g % 97 <> 0 ORDER BY ${order}`,
];

beforeAll(async () => {
  [source, target] = await Promise.all([
    createPostgresDatabase('tminus_pagechunks'),
    createPostgresDatabase('tminus_pagechunks'),
  ]);
  await pgExec(source.url, [...TABLE(), 'ANALYZE t']);
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

async function targetWith(statements: readonly string[], options = '', order = 'g', value?: string) {
  await pgExec(target.url, [
    'DROP TABLE IF EXISTS t',
    ...TABLE(options, order, value),
    ...statements,
    'ANALYZE t',
  ]);
}

/** Wide rows: chunks of several pages, so the page-by-page step runs. */
const WIDE = 'repeat(md5(g::text), 8)';
/**
 * The first and the last row changed, one row in each quarter of the heap, rows moved on the target only (to
 * the heap's end, cancelling against their pairs), a row past the source's last key, one deleted.
 */
const QUARTERS = [
  `UPDATE t SET v = v || 'x' WHERE id IN (-2997, 86997, 19500, 42000, 64503)`,
  `UPDATE t SET v = v WHERE id IN (-2994, 30000, 51003)`,
  `INSERT INTO t VALUES (90003, 'past the end')`,
  `DELETE FROM t WHERE id = 75000`,
];
/** The comparison, with how many times each step of the two paths ran. */
const compare = (where?: string) => countedDiff(source.url, target.url, where);

/** The differences, computed independently by a full join of the two tables. */
const truth = (where?: string) => fullJoinDiff(source.url, target.url, where);

async function expectExact(where?: string) {
  const want = await truth(where);
  const { r, calls } = await compare(where);
  expect(r.counts).toEqual({
    changed: want.changed.length,
    missingInTarget: want.missingInTarget.length,
    missingInSource: want.missingInSource.length,
  });
  // Past `maxDiffs` (1,000) keys of a kind the report lists some of them: each one a true difference.
  const listed = (xs: number[], all: number[]) =>
    all.length > 1_000 ? all.filter((k) => xs.includes(k)) : all;
  const changed = r.changed.map((c) => Number(c.key)).sort((a, b) => a - b);
  expect({
    changed,
    missingInTarget: r.missingInTarget.map(Number),
    missingInSource: r.missingInSource.map(Number),
  }).toEqual({
    changed: listed(changed, want.changed),
    missingInTarget: listed(r.missingInTarget.map(Number), want.missingInTarget),
    missingInSource: listed(r.missingInSource.map(Number), want.missingInSource),
  });
  expect([Number(r.sourceRows), Number(r.targetRows)]).toEqual(want.rows);
  return { want, r, calls };
}

describe('page chunks', () => {
  it('cover every page once, the last chunk open-ended', () => {
    expect(pageChunks(10, 4).map((c) => [c.from, c.to])).toEqual([
      [
        [0, 0],
        [4, 0],
      ],
      [
        [4, 0],
        [8, 0],
      ],
      [[8, 0], null],
    ]);
    expect(pageChunks(0, 3).map((c) => [c.from, c.to])).toEqual([[[0, 0], null]]);
  });

  it('split into single pages, the last page of an open-ended chunk open-ended', () => {
    const [a, , c] = pageChunks(10, 4);
    expect(pagesOf([a!, c!], 10).map((x) => [x.group, x.from[0], x.to?.[0] ?? null])).toEqual([
      [0, 0, 1],
      [1, 1, 2],
      [2, 2, 3],
      [3, 3, 4],
      [4, 8, 9],
      [5, 9, null],
    ]);
  });

  it('compare few differing chunks again page by page, exact (rows wide enough for chunks of pages)', async () => {
    const wide = 'repeat(md5(g::text), 8)';
    await pgExec(source.url, ['DROP TABLE t', ...TABLE('', 'g', wide), 'ANALYZE t']);
    try {
      await targetWith(
        [
          `UPDATE t SET v = v || 'x' WHERE id % 1499 = 0`,
          `UPDATE t SET v = v WHERE id % 3001 = 0`,
          `DELETE FROM t WHERE id IN (-3000, 12000, 86997)`,
          `INSERT INTO t VALUES (-2999, 'new'), (90001, 'last')`,
        ],
        '',
        'g',
        wide,
      );
      const { want, calls } = await expectExact();
      expect(want.changed.length).toBeGreaterThan(15);
      expect(want.missingInSource).toEqual([-2999, 90001]);
      // The page pass, then the differing chunks page by page: two chunk statements per side at least.
      expect(calls.heapChunkChecksums).toBeGreaterThanOrEqual(4);
      await expectExact('id % 7 <> 0');
    } finally {
      await pgExec(source.url, ['DROP TABLE t', ...TABLE(), 'ANALYZE t']);
    }
  });

  it('narrow differing chunks in the first, the last and every quarter of the heap, moved rows cancelling, exact', async () => {
    await pgExec(source.url, ['DROP TABLE t', ...TABLE('', 'g', WIDE), 'ANALYZE t']);
    try {
      await targetWith(QUARTERS, '', 'g', WIDE);
      const { want, calls } = await expectExact();
      expect(want.changed).toEqual([-2997, 19500, 42000, 64503, 86997]);
      expect(want.missingInSource).toEqual([90003]);
      expect(want.missingInTarget).toEqual([75000]);
      // The pass (one statement per side at least) and the page-by-page sums of the differing chunks.
      expect(calls.heapChunkChecksums).toBeGreaterThanOrEqual(4);
      expect(calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
      expect(calls.groupStarts ?? 0).toBe(0);
      await expectExact('id % 7 <> 0');
    } finally {
      await pgExec(source.url, ['DROP TABLE t', ...TABLE(), 'ANALYZE t']);
    }
  });

  it('report exactly the rows changed, moved, moved back, deleted and inserted out of order', async () => {
    await targetWith(MOVED_ROWS);
    const { want, calls } = await expectExact();
    expect(want.changed.length).toBeGreaterThan(50);
    expect(want.missingInTarget.length).toBeGreaterThan(50);
    expect(want.missingInSource.length).toBeGreaterThan(10);
    expect(calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
    expect(calls.groupStarts ?? 0).toBe(0);
    const f = await expectExact('id % 7 <> 0');
    expect(f.calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
    expect(f.want.changed.length).toBeGreaterThan(40);
  });

  it('leave a table with rows moved on one side only to the sample and the whole-table sums', async () => {
    await targetWith([
      `UPDATE t SET v = v WHERE id % 101 = 0`,
      'VACUUM t',
      `UPDATE t SET v = v WHERE id % 103 = 0`,
    ]);
    const { r, calls } = await compare();
    expect(r.status).toBe('identical');
    expect(calls.nativeChecksum).toBe(2);
    // The sampled page chunks (one statement per side) differ by the moved rows only: looked up by key, then
    // the whole-table sums; the other chunks are never summed.
    expect(calls.keyedChunkChecksums).toBe(2);
    expect(calls.heapChunkChecksums ?? 0).toBe(0);
    expect(calls.keyRangesChecksum).toBe(2);
    expect(calls.groupStarts ?? 0).toBe(0);
    const filtered = await compare('id % 7 <> 0');
    expect(filtered.r.status).toBe('identical');
    expect(filtered.calls.heapChunkChecksums ?? 0).toBe(0);
  });

  it('go on to the page pass from a sample that sees a real difference, with no whole-table sum', async () => {
    await targetWith([
      `UPDATE t SET v = v || 'x' WHERE id % 211 = 0`,
      `UPDATE t SET v = v WHERE id % 307 = 0`,
    ]);
    const { calls } = await expectExact();
    expect(calls).toMatchObject({ pageFirstKeys: 2, keyRangesChecksum: 2 });
    expect(calls.nativeChecksum ?? 0).toBe(0);
    expect(calls.heapChunkChecksums).toBeGreaterThanOrEqual(2);
  });

  it('find differences only outside the sampled chunks after the whole-table sums differ, exact', async () => {
    // One changed row, at the start of the heap (the first chunk is never sampled), and rows moved elsewhere.
    await targetWith([`UPDATE t SET v = v || 'x' WHERE id = -2997`, `UPDATE t SET v = v WHERE id % 101 = 0`]);
    const { want, calls } = await expectExact();
    expect(want.changed).toEqual([-2997]);
    expect(calls.nativeChecksum).toBe(2);
    expect(calls.heapChunkChecksums).toBeGreaterThanOrEqual(2);
    await expectExact('id % 7 <> 0');
  });

  it('are exact at the ends of the bigint key space, with every chunk differing', async () => {
    const big = (side: string, value: string) => [
      'DROP TABLE IF EXISTS t',
      'CREATE TABLE t (id bigint PRIMARY KEY, v text)',
      // Keys from the lowest bigint up and down from the highest, a huge gap between.
      `INSERT INTO t SELECT CASE WHEN g < 15000 THEN -9223372036854775808 + g * 7 ELSE 9223372036854775807 - (30000 - g) * 11 END, ${value} FROM generate_series(0, 30000) g ORDER BY 1`,
      'ANALYZE t',
      ...(side === 'target'
        ? [`DELETE FROM t WHERE abs(id % 997) = 5`, `INSERT INTO t VALUES (0, 'middle')`]
        : []),
    ];
    await pgExec(source.url, big('source', 'md5(g::text)'));
    await pgExec(
      target.url,
      big('target', `CASE WHEN g % 53 = 0 THEN md5(md5(g::text)) ELSE md5(g::text) END`),
    );
    try {
      const { want, calls } = await expectExact();
      expect(want.changed.length).toBeGreaterThan(500);
      expect(want.missingInTarget.length).toBeGreaterThan(10);
      expect(want.missingInSource).toEqual([0]);
      expect(calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
      await expectExact('id > 0');
    } finally {
      await pgExec(source.url, ['DROP TABLE t', ...TABLE(), 'ANALYZE t']);
    }
  });

  it('leave a target laid out otherwise to the key groups, exact', async () => {
    const changes = [
      `UPDATE t SET v = v || 'x' WHERE id % 997 = 0`,
      `DELETE FROM t WHERE id % 4999 = 0`,
      `INSERT INTO t SELECT g * 3 - 2999, 'new' FROM generate_series(5, 30000, 1500) g`,
    ];
    await targetWith(changes, 'fillfactor = 50');
    const half = await expectExact();
    expect(half.calls.pageFirstKeys ?? 0).toBe(0); // twice the pages: not probed
    expect(half.calls.chunkRowHashes ?? 0).toBe(0);
    // The same pages, another order within each run of 1,000 keys: the lowest keys of the pages differ.
    await targetWith(changes, '', 'g / 1000, md5(g::text)');
    const shuffled = await expectExact();
    expect(shuffled.calls.pageFirstKeys).toBe(2);
    expect(shuffled.calls.heapChunkChecksums ?? 0).toBeGreaterThanOrEqual(2);
    expect(shuffled.calls.chunkRowHashes ?? 0).toBe(0);
    await expectExact('id % 7 <> 0');
  });

  it('read every differing chunk, and leave too many differing rows to the key groups, exact', async () => {
    // Loaded alike with other values of the same length in every 31st row: the same pages, every one differing,
    // read and compared by page chunks.
    const other = (n: number) =>
      `CASE WHEN (g * 3 - 3000) % ${n} = 0 THEN md5(md5(g::text)) ELSE md5(g::text) END`;
    await targetWith([], '', 'g', other(31));
    const some = await expectExact();
    expect(some.want.changed.length).toBeGreaterThan(300);
    expect(some.calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
    expect(some.calls.groupStarts ?? 0).toBe(0);
    // Every 7th row: more than a tenth of the rows differ, the key groups take over.
    await targetWith([], '', 'g', other(7));
    const { want, calls } = await expectExact();
    expect(want.changed.length).toBeGreaterThan(4_000);
    expect(calls.pageFirstKeys).toBe(2);
    expect(calls.chunkRowHashes).toBeGreaterThanOrEqual(2);
    expect(calls.groupStarts ?? 0).toBeGreaterThanOrEqual(2);
  });
});
