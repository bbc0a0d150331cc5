import type { TableQuery } from '../dialect.js';
import type { HeapChunk } from '../heap-chunks.js';
import { heapPositionText } from '../heap-chunks.js';
import type { BoundSql } from '../query-shapes.js';
import { Binder, singleKey } from '../query-shapes.js';
import { POSTGRES_FLAVOUR as F } from './postgres-render.js';

const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** Past the last heap position PostgreSQL can write: the end of the last chunk. */
const HEAP_END = '(4294967295,65535)';

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

const chunkArrays = (b: Binder, chunks: readonly HeapChunk[]) => ({
  from: b.bind(chunks.map((c) => heapPositionText(c.from))),
  to: b.bind(chunks.map((c) => (c.to ? heapPositionText(c.to) : HEAP_END))),
});

/**
 * The rows of the heap chunk `tminus_c` (a TID range scan) as a FROM item, with the operator's filter. Any other
 * condition is kept above the scan (`OFFSET 0`, the subquery named as the table so the filter and hash read its
 * columns): pushed down, the planner may read a condition on the key (`key < lo OR key > hi`, a filter's
 * `id > 5`) through the key's index — nearly the whole index for every chunk. `open`: a WHERE clause follows.
 */
function chunkRows(q: TableQuery, open = false): string {
  const scan = `SELECT * FROM ${F.ident(q.table)} WHERE ctid >= tminus_c.f AND ctid < tminus_c.t`;
  const name = F.ident(q.table.split('.').pop()!);
  if (!q.where && !open) return `(${scan}) ${name}`;
  return `(${scan} OFFSET 0) ${name} WHERE ${q.where ? `(${q.where})` : 'true'}`;
}

/**
 * Count and sum of the row hash per heap chunk: a plain `count + sum` over a TID range scan each, in heap order
 * — a sequential read with no index, no hash aggregate and no per-row test beyond the scan's. The sums are of
 * the rows a chunk holds, whatever their keys (see `chunkStragglersSql` for the others). `keyed`: with the lowest
 * and highest key of each chunk too (a sample's chunks, see `page-chunks.ts`).
 */
export function heapChunkSumsSql(
  q: TableQuery,
  chunks: readonly HeapChunk[],
  hash: string,
  keyed = false,
): BoundSql {
  const b = new Binder(F);
  const groups = b.bind(chunks.map((c) => String(c.group)));
  const a = chunkArrays(b, chunks);
  const k = keyed ? F.ident(singleKey(q)) : '';
  return {
    sql:
      `SELECT tminus_c.g::text, s.c::text, s.h::text${keyed ? ', s.lo::text, s.hi::text' : ''} FROM ` +
      `unnest(${groups}::bigint[], ${a.from}::tid[], ${a.to}::tid[]) AS tminus_c(g, f, t), LATERAL (` +
      `SELECT count(*) AS c, coalesce(sum(${hash}), 0) AS h${keyed ? `, min(${k}) AS lo, max(${k}) AS hi` : ''} ` +
      `FROM ${chunkRows(q)}) s WHERE s.c > 0`,
    values: b.values,
  };
}

/**
 * Per heap chunk, the count of the rows it holds and the keys of those outside its group's keys (stragglers:
 * moved by an update, inserted out of order) — for the chunks of sampled groups and the few whose sums differ:
 * a TID range scan each, no hashing.
 */
export function chunkStragglersSql(q: TableQuery, chunks: readonly HeapChunk[]): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const a = chunkArrays(b, chunks);
  const lo = b.bind(chunks.map((c) => c.lo.toString()));
  // The group's last key, inclusive (kept inside bigint at the top of the key space).
  const hi = b.bind(chunks.map((c) => (c.hi - 1n > BIGINT_MAX ? BIGINT_MAX : c.hi - 1n).toString()));
  return {
    sql:
      `SELECT s.c::text, s.x FROM unnest(${a.from}::tid[], ${a.to}::tid[], ${lo}::bigint[], ${hi}::bigint[]) ` +
      `AS tminus_c(f, t, lo, hi), LATERAL (SELECT count(*) AS c, ` +
      `string_agg(${k}::text, ',') FILTER (WHERE ${k} < tminus_c.lo OR ${k} > tminus_c.hi) AS x ` +
      `FROM ${chunkRows(q, true)}) s`,
    values: b.values,
  };
}

/** How many pages the table's heap has now (its file size; no scan). */
export function heapPagesSql(q: TableQuery): BoundSql {
  const b = new Binder(F);
  return {
    sql: `SELECT (pg_relation_size(${b.bind(F.ident(q.table))}::regclass) / current_setting('block_size')::bigint)::text`,
    values: b.values,
  };
}

/**
 * The lowest key on each of the listed heap pages (null for an empty page): a one-page TID range scan each,
 * kept from the key's index by `OFFSET 0` (a `min` over the index would walk it until a row on that page). No
 * filter: it probes where rows lie, to tell two heaps laid out alike (see `page-chunks.ts`).
 */
export function pageFirstKeysSql(q: TableQuery, pages: readonly number[]): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const from = b.bind(pages.map((p) => `(${p},0)`));
  const to = b.bind(pages.map((p) => `(${p + 1},0)`));
  return {
    sql:
      `SELECT (SELECT min(s.k)::text FROM (SELECT ${k} AS k FROM ${F.ident(q.table)} ` +
      `WHERE ctid >= tminus_p.f AND ctid < tminus_p.t OFFSET 0) s) ` +
      `FROM unnest(${from}::tid[], ${to}::tid[]) AS tminus_p(f, t)`,
    values: b.values,
  };
}

/**
 * The key and native hash of every row the chunks hold (with the operator's filter), as `key:hash` pairs joined
 * by commas, one text per chunk (with its group): a TID range scan each, one text per chunk instead of a message
 * per row.
 */
export function chunkRowHashesSql(q: TableQuery, chunks: readonly HeapChunk[], hash: string): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const groups = b.bind(chunks.map((c) => String(c.group)));
  const a = chunkArrays(b, chunks);
  return {
    sql:
      `SELECT tminus_c.g::text, s.x FROM unnest(${groups}::bigint[], ${a.from}::tid[], ${a.to}::tid[]) ` +
      `AS tminus_c(g, f, t), LATERAL (` +
      `SELECT string_agg(${k}::text || ':' || (${hash})::text, ',') AS x FROM ${chunkRows(q)}) s ` +
      `WHERE s.x IS NOT NULL`,
    values: b.values,
  };
}

/**
 * Count and sum of the row hash of the rows whose key lies in one of the disjoint inclusive `ranges` (with the
 * operator's filter), all ranges together: an index range scan each.
 */
export function keyRangesSumSql(
  q: TableQuery,
  ranges: readonly { readonly lo: bigint; readonly hi: bigint }[],
  hash: string,
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const lo = b.bind(ranges.map((r) => r.lo.toString()));
  const hi = b.bind(ranges.map((r) => r.hi.toString()));
  return {
    sql:
      `SELECT '0', count(*)::text, coalesce(sum(s.h), 0)::text FROM unnest(${lo}::bigint[], ${hi}::bigint[]) ` +
      `AS tminus_r(lo, hi), LATERAL (SELECT ${hash} AS h FROM ${F.ident(q.table)} ` +
      `WHERE ${k} >= tminus_r.lo AND ${k} <= tminus_r.hi${q.where ? ` AND (${q.where})` : ''}) s`,
    values: b.values,
  };
}
