import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { wrapCanonical } from './canonical-format.js';
import type { Bucket, CanonicalRow, Checksum, TableQuery } from './dialect.js';

/*
 * Checksums computed in tminus from rows already rendered canonically, with exactly the rules the databases use
 * in SQL (MD5 of the wrapped values; 48-bit row hash; 32-bit key hash). SQLite has no MD5, and JSON has no
 * canonical text any two engines agree on in SQL: those rows are streamed and hashed here.
 */

/** A rendered row as a driver streams it. */
export type RenderedValues = (string | null)[];

/** Rows from a driver: SQLite iterates synchronously, the network drivers stream. */
export type RenderedRows = Iterable<RenderedValues> | AsyncIterable<RenderedValues>;

/** The canonical row string of already-rendered values. */
export function canonicalRow(values: readonly (string | null)[]): string {
  let out = '';
  for (const v of values) out += wrapCanonical(v);
  return out;
}

/** Last 48 bits of the MD5 of a canonical row, as two exact 24-bit halves (cheap to sum as numbers). */
export function rowHashHalves(row: string): [number, number] {
  const hex = createHash('md5').update(row, 'utf8').digest('hex');
  return [parseInt(hex.slice(20, 26), 16), parseInt(hex.slice(26, 32), 16)];
}

/** The 32-bit key hash of a canonical key string. */
export function keyHash(key: string): number {
  return parseInt(createHash('md5').update(key, 'utf8').digest('hex').slice(0, 8), 16);
}

/** True when a side's checksums of this query must be computed in tminus (a JSON column without `jsonb`). */
export function hashesInTminus(q: TableQuery): boolean {
  return q.specs.some((s) => s.as.kind === 'json' && !s.as.jsonb);
}

/** Finishes a row rendered in SQL: JSON values get their canonical text (no SQL can write it). */
export function finishRendered(q: TableQuery, values: RenderedValues): RenderedValues {
  for (let i = 0; i < q.specs.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && q.specs[i]!.as.kind === 'json') values[i] = canonicalJson(v);
  }
  return values;
}

/** A finished row with its key values picked out. */
export function toCanonicalRow(q: TableQuery, values: RenderedValues): CanonicalRow {
  const key = q.key.map((k) => values[q.specs.findIndex((s) => s.column === k)] ?? '');
  return { key, values };
}

class Sums {
  count = 0;
  hi = 0;
  lo = 0;
  add(values: RenderedValues): void {
    const [h, l] = rowHashHalves(canonicalRow(values));
    this.count++;
    this.hi += h;
    this.lo += l;
  }
  get checksum(): Checksum {
    return { count: BigInt(this.count), sum: (BigInt(this.hi) << 24n) + BigInt(this.lo) };
  }
}

async function each(rows: RenderedRows, fn: (values: RenderedValues) => void): Promise<void> {
  if (Symbol.asyncIterator in rows) {
    for await (const r of rows) fn(r);
  } else {
    for (const r of rows) fn(r);
  }
}

/** Count and exact sum of the row hashes. */
export async function checksumOf(rows: RenderedRows): Promise<Checksum> {
  const sums = new Sums();
  await each(rows, (v) => sums.add(v));
  return sums.checksum;
}

/** Count and sum per group of `width` consecutive values of the integer key (at `keyIndex`) from `lo`. */
export async function groupChecksumsOf(
  rows: RenderedRows,
  keyIndex: number,
  lo: bigint,
  width: bigint,
): Promise<Map<number, Checksum>> {
  const acc = new Map<number, Sums>();
  await each(rows, (v) => {
    const group = Number((BigInt(v[keyIndex] ?? '0') - lo) / width);
    let sums = acc.get(group);
    if (!sums) acc.set(group, (sums = new Sums()));
    sums.add(v);
  });
  return new Map([...acc].map(([g, s]) => [g, s.checksum]));
}

/** The key-hash bucket of a row at `bits` bits. */
export function bucketOf(values: RenderedValues, keyIndexes: readonly number[], bits: number): number {
  const kh = keyHash(canonicalRow(keyIndexes.map((i) => values[i] ?? null)));
  return Math.floor(kh / 2 ** (32 - bits));
}

/** Count and sum per key-hash bucket, optionally only inside one parent bucket. */
export async function bucketChecksumsOf(
  rows: RenderedRows,
  keyIndexes: readonly number[],
  bits: number,
  parent?: Bucket,
): Promise<Map<number, Checksum>> {
  const acc = new Map<number, Sums>();
  await each(rows, (v) => {
    const kh = keyHash(canonicalRow(keyIndexes.map((i) => v[i] ?? null)));
    if (parent && Math.floor(kh / 2 ** (32 - parent.bits)) !== parent.value) return;
    const b = Math.floor(kh / 2 ** (32 - bits));
    let sums = acc.get(b);
    if (!sums) acc.set(b, (sums = new Sums()));
    sums.add(v);
  });
  return new Map([...acc].map(([b, s]) => [b, s.checksum]));
}

/** Indexes of the key columns in the rendered row. */
export function keyIndexes(q: TableQuery): number[] {
  return q.key.map((k) => q.specs.findIndex((s) => s.column === k));
}
