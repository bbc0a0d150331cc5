import type { Checksum, TableQuery } from '../dialect.js';
import type { HeapChunk } from '../heap-chunks.js';
import { heapPositionText } from '../heap-chunks.js';
import type { BoundSql } from '../query-shapes.js';
import { Binder, singleKey } from '../query-shapes.js';
import { POSTGRES_FLAVOUR as F } from './postgres-render.js';

const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** Past the last heap position PostgreSQL can write: the end of the last chunk. */
const HEAP_END = '(4294967295,65535)';

/** `floor(a / b)` for bigints (`/` truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

/**
 * Where each key group starts in the heap: the position (`ctid`) of the lowest key at or above the group's first
 * key, one index look-up per group, null when there is none. Only a hint for `heapChunkSumsSql` (no filter, any
 * snapshot): the chunks it cuts cover the heap whatever the positions are.
 */
export function groupStartsSql(q: TableQuery, origin: bigint, width: bigint, groups: number): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const firsts: string[] = [];
  for (let g = 0; g < groups; g++) {
    const lo = origin + BigInt(g) * width;
    firsts.push((lo > BIGINT_MAX ? BIGINT_MAX : lo).toString());
  }
  return {
    sql:
      `SELECT (SELECT ctid::text FROM ${F.ident(q.table)} WHERE ${k} >= f ORDER BY ${k} LIMIT 1) ` +
      `FROM unnest(${b.bind(firsts)}::bigint[]) AS tminus_f(f)`,
    values: b.values,
  };
}

/**
 * Count and sum of the row hash per heap chunk (a TID range scan each, in heap order: a sequential read with no
 * index and no hash aggregate), with every row of the chunk whose key is outside the chunk's group returned as
 * `key:hash` (a straggler, see `heap-chunks.ts`). In a chunk of a group in `skip` (summed already by the sample)
 * only the stragglers are read and hashed.
 */
export function heapChunkSumsSql(
  q: TableQuery,
  chunks: readonly HeapChunk[],
  hash: string,
  skip: ReadonlySet<number>,
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const filter = q.where ? ` AND (${q.where})` : '';
  const outside = (key: string) => `${key} < tminus_c.lo OR ${key} > tminus_c.hi`;
  // Chunks of groups summed already (the sample) read only their stragglers: a statement of their own, so the
  // other chunks pay no per-row test for it.
  const part = (list: readonly HeapChunk[], stragglersOnly: boolean) => {
    const groups = b.bind(list.map((c) => String(c.group)));
    const lo = b.bind(list.map((c) => c.lo.toString()));
    // The group's last key, inclusive (kept inside bigint at the top of the key space).
    const hi = b.bind(list.map((c) => (c.hi - 1n > BIGINT_MAX ? BIGINT_MAX : c.hi - 1n).toString()));
    const from = b.bind(list.map((c) => heapPositionText(c.from)));
    const to = b.bind(list.map((c) => (c.to ? heapPositionText(c.to) : HEAP_END)));
    const only = stragglersOnly ? ` AND (${outside(k)})` : '';
    return (
      `SELECT tminus_c.g::text, s.c::text, s.h::text, s.x FROM ` +
      `unnest(${groups}::bigint[], ${lo}::bigint[], ${hi}::bigint[], ${from}::tid[], ${to}::tid[]) ` +
      `AS tminus_c(g, lo, hi, f, t), LATERAL (` +
      `SELECT count(*) AS c, coalesce(sum(y.h), 0) AS h, ` +
      `string_agg(y.k::text || ':' || y.h::text, ',') FILTER (WHERE ${outside('y.k')}) AS x ` +
      `FROM (SELECT ${k} AS k, ${hash} AS h FROM ${F.ident(q.table)} ` +
      `WHERE ctid >= tminus_c.f AND ctid < tminus_c.t${filter}${only}) y) s WHERE s.c > 0`
    );
  };
  const read = chunks.filter((c) => !skip.has(c.group));
  const skipped = chunks.filter((c) => skip.has(c.group));
  const sql = [
    ...(read.length ? [part(read, false)] : []),
    ...(skipped.length ? [part(skipped, true)] : []),
  ];
  return { sql: sql.join(' UNION ALL '), values: b.values };
}

/**
 * Adds up the rows `heapChunkSumsSql` returned by group: each chunk's rows in its own group, each straggler in
 * the group of its key. Groups in `skip` are left out.
 */
export function foldChunkSums(
  rows: readonly (readonly unknown[])[],
  origin: bigint,
  width: bigint,
  skip: ReadonlySet<number>,
): Map<number, Checksum> {
  const out = new Map<number, Checksum>();
  const add = (g: number, count: bigint, sum: bigint) => {
    if (skip.has(g) || count === 0n) return;
    const had = out.get(g);
    out.set(g, had ? { count: had.count + count, sum: had.sum + sum } : { count, sum });
  };
  for (const r of rows) {
    let count = BigInt(r[1] as string);
    let sum = BigInt(r[2] as string);
    const x = r[3] as string | null;
    if (x) {
      for (const pair of x.split(',')) {
        const i = pair.indexOf(':');
        const key = BigInt(pair.slice(0, i));
        const h = BigInt(pair.slice(i + 1));
        add(Number(floorDiv(key - origin, width)), 1n, h);
        count -= 1n;
        sum -= h;
      }
    }
    add(Number(r[0] as string), count, sum);
  }
  return out;
}
