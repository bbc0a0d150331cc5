import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOf, pgExec, postgresTableSql } from '../../test/support/data-tables.js';
import type { TestDatabase } from '../../test/support/databases.js';
import { createPostgresDatabase } from '../../test/support/databases.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import type { CompareOptions } from './compare-options.js';
import { dataDiff } from './data-diff.js';
import type { Dialect } from './dialect.js';
import type { TableResult } from './diff-result.js';
import { sampleGroups } from './group-sample.js';
import { openDialect } from './open-dialect.js';

/*
 * PostgreSQL → PostgreSQL with native hashes sums a sample of the key groups first, then (every sampled group
 * matching) one whole-table count + sum per side, and only then the other groups. Every path must report
 * exactly the differences: those in sampled groups, and those only outside the sample (seen by the whole-table
 * check). A fixed clock fixes the sample, which the first comparison records.
 */
const ROWS = 60_000;
const SEED = 1_234_567;
let source: TestDatabase;
let target: TestDatabase;

beforeAll(async () => {
  [source, target] = await Promise.all([
    createPostgresDatabase('tminus_sample'),
    createPostgresDatabase('tminus_sample'),
  ]);
  await pgExec(source.url, [...postgresTableSql('big', ROWS), 'ANALYZE big']);
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

async function targetWith(changes: string[]): Promise<void> {
  await pgExec(target.url, [
    'DROP TABLE IF EXISTS big',
    ...postgresTableSql('big', ROWS),
    ...changes,
    'ANALYZE big',
  ]);
}

interface Calls {
  sample: { origin: bigint; width: bigint; groups: readonly number[] }[];
  whole: number;
  grouped: { skip: readonly number[]; chunked?: boolean }[];
}

/** The dialect with the calls of the three steps recorded. */
function spied(d: Dialect, calls: Calls): Dialect {
  return new Proxy(d, {
    get(t, name, receiver) {
      // Without the heap's page count, page chunks (heaps laid out alike, see page-chunks.test.ts) are not
      // tried: these tables' heaps are, and the steps here are those of the key groups.
      if (name === 'heapPages') return undefined;
      const v = Reflect.get(t, name, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const f = v as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (name === 'listedGroupChecksums') {
          calls.sample.push({
            origin: args[1] as bigint,
            width: args[2] as bigint,
            groups: args[3] as number[],
          });
        }
        if (name === 'nativeChecksum') calls.whole++;
        if (name === 'groupChecksums') calls.grouped.push({ skip: (args[5] as number[] | undefined) ?? [] });
        // The grouped pass by heap chunks (key-ordered heaps) reads every chunk: nothing skipped.
        if (name === 'heapChunkChecksums') calls.grouped.push({ skip: [], chunked: true });
        return f.apply(t, args);
      };
    },
  });
}

async function compare(options: CompareOptions = {}): Promise<{ r: TableResult; calls: Calls }> {
  const calls: Calls = { sample: [], whole: 0, grouped: [] };
  const [s, t] = await Promise.all([
    openDialect(source.url, { connections: 2 }),
    openDialect(target.url, { connections: 2 }),
  ]);
  try {
    const report = await dataDiff({
      source: spied(s, calls),
      target: spied(t, calls),
      tables: ['big'],
      options,
      clock: new ManualClock(SEED),
    });
    return { r: report.tables[0]!, calls };
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

/** Row numbers (1-based, see `keyOf`) whose key falls in group `g`, and whether `g` is in the sample. */
function rowsOf(g: number, origin: bigint, width: bigint): number[] {
  const lo = origin + BigInt(g) * width;
  const out: number[] = [];
  for (let n = 1; n <= ROWS; n++) {
    const k = BigInt(keyOf(n));
    if (k >= lo && k < lo + width) out.push(n);
  }
  return out;
}

describe('sample first, then the whole table (PostgreSQL native hashes)', () => {
  let sample: { origin: bigint; width: bigint; groups: readonly number[] };

  it('says identical tables are identical after the sample and one whole-table sum per side', async () => {
    await targetWith([]);
    const { r, calls } = await compare();
    expect(r.status).toBe('identical');
    expect([r.sourceRows, r.targetRows]).toEqual([ROWS, ROWS]);
    expect(calls.sample).toHaveLength(2);
    expect(calls.whole).toBe(2);
    expect(calls.grouped).toHaveLength(0);
    sample = calls.sample[0]!;
    expect(sample.groups.length).toBeGreaterThan(3);
    // The sample is the seeded one, spread over the groups, never the first or last.
    const groups = Number((BigInt(keyOf(ROWS)) - sample.origin + sample.width) / sample.width);
    expect(sample.groups).toEqual(sampleGroups(groups, 0.05, SEED));
    expect(Math.min(...sample.groups)).toBeGreaterThan(0);
    expect(Math.max(...sample.groups)).toBeLessThan(groups - 1);
  });

  it('finds differences in sampled groups without the whole-table sum, and every other one', async () => {
    const inSample = rowsOf(sample.groups[1]!, sample.origin, sample.width)[5]!;
    const outside = rowsOf(sample.groups[1]! + 1, sample.origin, sample.width)[2]!;
    const deleted = rowsOf(sample.groups[2]!, sample.origin, sample.width)[0]!;
    await targetWith([
      `UPDATE big SET name = 'changed' WHERE id IN (${keyOf(inSample)}, ${keyOf(outside)})`,
      `DELETE FROM big WHERE id = ${keyOf(deleted)}`,
    ]);
    const { r, calls } = await compare();
    expect(r.changed.map((c) => c.key)).toEqual([keyOf(inSample), keyOf(outside)].sort((a, b) => a - b));
    expect(r.missingInTarget).toEqual([keyOf(deleted)]);
    expect(r.missingInSource).toEqual([]);
    expect([r.sourceRows, r.targetRows]).toEqual([ROWS, ROWS - 1]);
    expect(calls.whole).toBe(0);
    // This heap is in key order: the grouped pass reads both sides by heap chunks, every chunk (a chunk's sums
    // are of the rows it holds, the sample's of a group's keys).
    expect(calls.grouped.length).toBeGreaterThanOrEqual(2);
    expect(calls.grouped.every((g) => g.chunked && g.skip.length === 0)).toBe(true);
  });

  it('finds differences only outside the sample after the whole-table sums differ', async () => {
    const sampled = new Set(sample.groups);
    const free = Array.from({ length: 40 }, (_, i) => i + 2).filter((g) => !sampled.has(g));
    const changed = [free[0]!, free[3]!, free[7]!].map((g) => rowsOf(g, sample.origin, sample.width)[1]!);
    const deleted = rowsOf(free[9]!, sample.origin, sample.width)[4]!;
    // A key the source does not have (keys are multiples of 3 there) inside a group left out of the sample.
    const extra = keyOf(rowsOf(free[11]!, sample.origin, sample.width)[0]!) + 1;
    await targetWith([
      `UPDATE big SET amount = amount + 1 WHERE id IN (${changed.map(keyOf).join(',')})`,
      `DELETE FROM big WHERE id = ${keyOf(deleted)}`,
      `INSERT INTO big (id, name) VALUES (${extra}, 'extra')`,
    ]);
    const { r, calls } = await compare();
    expect(calls.sample[0]!.groups).toEqual(sample.groups);
    expect(calls.whole).toBe(2);
    expect(r.changed.map((c) => [c.key, c.columns])).toEqual(changed.map((n) => [keyOf(n), ['amount']]));
    expect(r.missingInTarget).toEqual([keyOf(deleted)]);
    expect(r.missingInSource).toEqual([extra]);
    expect([r.sourceRows, r.targetRows]).toEqual([ROWS, ROWS]);
  });

  it('goes straight to the grouped pass without native hashes', async () => {
    await targetWith([`UPDATE big SET name = 'changed' WHERE id = ${keyOf(30_001)}`]);
    const { r, calls } = await compare({ nativeHash: false });
    expect(r.changed.map((c) => c.key)).toEqual([keyOf(30_001)]);
    expect(calls.sample).toHaveLength(0);
    expect(calls.whole).toBe(0);
  });
});
