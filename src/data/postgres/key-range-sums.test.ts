import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgExec } from '../../../test/support/data-tables.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { createPostgresDatabase } from '../../../test/support/databases.js';
import type { KeyRange, TableQuery } from '../dialect.js';
import type { BoundSql } from '../query-shapes.js';
import { checksumMap, groupChecksumSql } from '../query-shapes.js';
import { keyRangeSumsSql, listedGroupSumsSql, withinGroupSumsSql } from './key-range-sums.js';
import { POSTGRES_FLAVOUR } from './postgres-render.js';

/*
 * The key-range shape must return exactly the groups, counts and sums of the `GROUP BY` shape it replaces on
 * key-ordered tables: gapped and negative keys, parts with open and closed ends, an operator's filter, and
 * keys at the top of the bigint range (where `origin + (g+1)·width` would overflow).
 */
let db: TestDatabase;
let client: pg.Client;
const HASH = `(hash_record_extended(ROW(id, v), 0) & 281474976710655)`;
const MAX = 9_223_372_036_854_775_807n;

beforeAll(async () => {
  db = await createPostgresDatabase('tminus_krs');
  await pgExec(db.url, [
    'CREATE TABLE t (id bigint PRIMARY KEY, v text)',
    `INSERT INTO t SELECT g * 7 - 5000, md5(g::text) FROM generate_series(0, 700) g`,
    `INSERT INTO t SELECT g * 3, CASE WHEN g % 11 = 0 THEN NULL ELSE md5(g::text) END
       FROM generate_series(1, 20000) g WHERE g % 97 <> 0`,
    'CREATE TABLE top (id bigint PRIMARY KEY, v text)',
    `INSERT INTO top SELECT g, g::text FROM generate_series(1, 100) g`,
    `INSERT INTO top SELECT ${MAX} - g, g::text FROM generate_series(0, 500) g`,
  ]);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function sums(q: BoundSql) {
  return checksumMap((await client.query({ text: q.sql, values: q.values, rowMode: 'array' })).rows);
}

const sorted = (m: Map<number, unknown>) => [...m.entries()].sort((a, b) => a[0] - b[0]);

async function expectSameGroups(q: TableQuery, range: KeyRange, origin: bigint, width: bigint) {
  const grouped = await sums(groupChecksumSql(POSTGRES_FLAVOUR, q, range, origin, width, HASH));
  const ranges = await sums(keyRangeSumsSql(q, range, origin, width, HASH));
  expect(grouped.size).toBeGreaterThan(0);
  expect(sorted(ranges)).toEqual(sorted(grouped));
}

describe('key-range sums', () => {
  it('count keys below the origin and far past the last group in the groups at the open ends', async () => {
    const top: TableQuery = { table: 'top', specs: [], key: ['id'] };
    const all = await sums(keyRangeSumsSql(top, { lo: null, hi: null }, 50n, 64n, HASH));
    const total = await sums({ sql: `SELECT 0, count(*)::text, sum(${HASH})::text FROM top`, values: [] });
    const add = (m: typeof all) =>
      [...m.values()].reduce((x, c) => ({ count: x.count + c.count, sum: x.sum + c.sum }));
    expect(add(all)).toEqual(total.get(0));
    expect(all.get(0)?.count).toBe(100n); // keys 1–100: 49 below the origin, 51 in group 0's own range
  });

  const t: TableQuery = { table: 't', specs: [], key: ['id'] };

  it('give the groups of the GROUP BY shape over the whole table, gapped and negative keys', async () => {
    for (const width of [1n, 64n, 1_000n, 100_000n]) {
      await expectSameGroups(t, { lo: null, hi: null }, -5000n, width);
    }
  });

  it('give them over parts with closed and open ends that cut groups', async () => {
    const cuts: KeyRange[] = [
      { lo: null, hi: 1_001n },
      { lo: 1_001n, hi: 30_017n },
      { lo: 30_017n, hi: null },
      { lo: -4_321n, hi: -4_320n },
    ];
    for (const range of cuts) await expectSameGroups(t, range, -5000n, 640n);
  });

  it("keep the operator's filter, also for the first and last group of an open part", async () => {
    await expectSameGroups(
      { ...t, where: 'v IS NOT NULL AND id % 2 = 0' },
      { lo: null, hi: null },
      -5000n,
      256n,
    );
  });

  it('give the listed groups only, and leave skipped groups out of a pass', async () => {
    for (const where of [undefined, 'v IS NOT NULL']) {
      const q = { ...t, where };
      const all = await sums(
        groupChecksumSql(POSTGRES_FLAVOUR, q, { lo: null, hi: null }, -5000n, 256n, HASH),
      );
      const listed = [1, 2, 17, 40, 41, 200, 250];
      const got = await sums(listedGroupSumsSql(q, -5000n, 256n, listed, HASH));
      expect(sorted(got)).toEqual(sorted(all).filter(([g]) => listed.includes(g)));
      const rest = await sums(keyRangeSumsSql(q, { lo: null, hi: null }, -5000n, 256n, HASH, listed));
      expect(sorted(rest)).toEqual(sorted(all).filter(([g]) => !listed.includes(g)));
    }
  });

  it('give the GROUP BY sums of keys inside disjoint ranges, and at the top of the bigint range', async () => {
    for (const where of [undefined, 'v IS NOT NULL']) {
      const q = { ...t, where };
      const within = [
        { lo: -5000n, hi: -4000n },
        { lo: 3_000n, hi: 3_640n },
        { lo: 3_640n, hi: 3_700n },
        { lo: 50_000n, hi: 59_999n },
      ];
      const range: KeyRange = { lo: null, hi: null, within };
      const want = await sums(groupChecksumSql(POSTGRES_FLAVOUR, q, range, -5000n, 24n, HASH));
      expect(want.size).toBeGreaterThan(10);
      expect(sorted(await sums(withinGroupSumsSql(q, within, -5000n, 24n, HASH)))).toEqual(sorted(want));
    }
    const top: TableQuery = { table: 'top', specs: [], key: ['id'] };
    const got = await sums(
      withinGroupSumsSql(top, [{ lo: MAX - 100n, hi: MAX + 64n }], MAX - 100n, 8n, HASH),
    );
    expect([...got.values()].reduce((n, c) => n + c.count, 0n)).toBe(101n);
  });

  it('reach the highest bigint key without overflow', async () => {
    const top: TableQuery = { table: 'top', specs: [], key: ['id'] };
    // The last group, [origin + 156·64, origin + 157·64), would end past the highest bigint.
    const origin = MAX - 10_000n;
    await expectSameGroups(top, { lo: MAX - 1_000n, hi: null }, origin, 64n);
    const last = await sums(keyRangeSumsSql(top, { lo: MAX - 1_000n, hi: null }, origin, 64n, HASH));
    expect([...last.values()].reduce((n, c) => n + c.count, 0n)).toBe(501n);
  });
});
