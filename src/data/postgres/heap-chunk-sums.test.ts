import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgExec } from '../../../test/support/data-tables.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { createPostgresDatabase } from '../../../test/support/databases.js';
import type { TableQuery } from '../dialect.js';
import type { HeapPosition } from '../heap-chunks.js';
import { heapChunks, parseHeapPosition } from '../heap-chunks.js';
import type { BoundSql } from '../query-shapes.js';
import { checksumMap, groupChecksumSql } from '../query-shapes.js';
import { foldChunkSums, groupStartsSql, heapChunkSumsSql } from './heap-chunk-sums.js';
import { POSTGRES_FLAVOUR } from './postgres-render.js';

/*
 * Heap chunks must give exactly the groups, counts and sums of the `GROUP BY` shape, whatever the heap order:
 * rows moved by updates, rows inserted out of key order, deleted rows, starts that are wrong or missing, an
 * operator's filter, groups skipped (summed by the sample), keys at the top of the bigint range.
 */
let db: TestDatabase;
let client: pg.Client;
const HASH = `(hash_record_extended(ROW(id, v), 0) & 281474976710655)`;
const MAX = 9_223_372_036_854_775_807n;

beforeAll(async () => {
  db = await createPostgresDatabase('tminus_hcs');
  await pgExec(db.url, [
    'CREATE TABLE t (id bigint PRIMARY KEY, v text)',
    `INSERT INTO t SELECT g * 3 - 3000, md5(g::text) FROM generate_series(0, 20000) g WHERE g % 97 <> 0`,
    // Moved rows (updated), a hole, rows inserted out of key order.
    `UPDATE t SET v = v || 'x' WHERE id % 1001 = 0`,
    `DELETE FROM t WHERE id BETWEEN 9000 AND 9600`,
    `INSERT INTO t SELECT g * 97 * 3 - 3000, 'late' FROM generate_series(1, 200) g`,
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

async function rows(q: BoundSql) {
  return (await client.query({ text: q.sql, values: q.values, rowMode: 'array' })).rows as unknown[][];
}

const sorted = (m: Map<number, unknown>) => [...m.entries()].sort((a, b) => a[0] - b[0]);

async function bounds(table: string): Promise<[bigint, bigint]> {
  const r = await rows({ sql: `SELECT min(id)::text, max(id)::text FROM ${table}`, values: [] });
  return [BigInt(r[0]![0] as string), BigInt(r[0]![1] as string) + 1n];
}

async function chunked(
  q: TableQuery,
  origin: bigint,
  width: bigint,
  groups: number,
  skip: ReadonlySet<number>,
  starts?: (HeapPosition | null)[],
) {
  const found = starts ?? (await rows(groupStartsSql(q, origin, width, groups))).map((r) => parseHeapPosition(r[0] as string));
  expect(found).toHaveLength(groups);
  const chunks = heapChunks(found, origin, width);
  // Read in three parts, as a long table is.
  const third = Math.ceil(chunks.length / 3);
  const out = new Map<number, { count: bigint; sum: bigint }>();
  for (let i = 0; i < chunks.length; i += third) {
    const part = chunks.slice(i, i + third);
    for (const [g, c] of foldChunkSums(await rows(heapChunkSumsSql(q, part, HASH, skip)), origin, width, skip)) {
      const had = out.get(g);
      out.set(g, had ? { count: had.count + c.count, sum: had.sum + c.sum } : c);
    }
  }
  return out;
}

async function grouped(q: TableQuery, origin: bigint, width: bigint, skip: ReadonlySet<number>) {
  const all = checksumMap(await rows(groupChecksumSql(POSTGRES_FLAVOUR, q, { lo: null, hi: null }, origin, width, HASH)));
  for (const g of skip) all.delete(g);
  return all;
}

describe('heap chunk sums', () => {
  const t: TableQuery = { table: 't', specs: [], key: ['id'] };

  it('equal the grouped sums on a heap with moved, deleted and late rows', async () => {
    const [min, end] = await bounds('t');
    for (const width of [64n, 640n, 7n]) {
      const groups = Number((end - min + width - 1n) / width);
      const want = await grouped(t, min, width, new Set());
      expect(sorted(await chunked(t, min, width, groups, new Set()))).toEqual(sorted(want));
    }
  });

  it('leave out skipped groups, stragglers of theirs included, and keep the others', async () => {
    const [min, end] = await bounds('t');
    const width = 128n;
    const groups = Number((end - min + width - 1n) / width);
    const skip = new Set(Array.from({ length: groups }, (_, g) => g).filter((g) => g % 9 === 4));
    const got = await chunked(t, min, width, groups, skip);
    expect(sorted(got)).toEqual(sorted(await grouped(t, min, width, skip)));
  });

  it('do not depend on the starts: missing, shuffled or all at the heap start', async () => {
    const [min, end] = await bounds('t');
    const width = 256n;
    const groups = Number((end - min + width - 1n) / width);
    const want = sorted(await grouped(t, min, width, new Set()));
    const real = (await rows(groupStartsSql(t, min, width, groups))).map((r) => parseHeapPosition(r[0] as string));
    const shuffled = real.map((_, i) => real[(i * 7919) % real.length]!);
    const holes = real.map((s, i) => (i % 3 === 1 ? null : s));
    const zero = real.map((): HeapPosition => [0, 0]);
    for (const starts of [shuffled, holes, zero]) {
      expect(sorted(await chunked(t, min, width, groups, new Set(), starts))).toEqual(want);
    }
  });

  it("apply the operator's filter", async () => {
    const [min, end] = await bounds('t');
    const q: TableQuery = { ...t, where: `v NOT LIKE '%x' AND id % 5 <> 0` };
    const width = 200n;
    const groups = Number((end - min + width - 1n) / width);
    expect(sorted(await chunked(q, min, width, groups, new Set()))).toEqual(
      sorted(await grouped(q, min, width, new Set())),
    );
  });

  it('hold keys at the top of the bigint range', async () => {
    const top: TableQuery = { table: 'top', specs: [], key: ['id'] };
    const [min, end] = await bounds('top');
    const width = ((end - min) / 64n / 64n + 1n) * 64n;
    const groups = Number((end - min + width - 1n) / width);
    expect(sorted(await chunked(top, min, width, groups, new Set()))).toEqual(
      sorted(await grouped(top, min, width, new Set())),
    );
  });
});
