import type { KeyRange, TableQuery } from '../dialect.js';
import type { BoundSql } from '../query-shapes.js';
import { Binder, rangeCondition, singleKey } from '../query-shapes.js';
import { POSTGRES_FLAVOUR as F } from './postgres-render.js';

const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** `floor(a / b)` for bigints (`/` truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

/**
 * Count and sum of the row hash `hash` per group of `width` consecutive key values from `origin` (group `g`
 * holds keys `[origin + g·width, origin + (g+1)·width)`), inside `range`, as the same groups as
 * `groupChecksumSql` — but without a hash aggregate: one plain `count + sum` per group over an index range
 * scan of the key, run for every group by a nested loop over `generate_series` (one small plan, re-scanned
 * per group). On a table whose heap is in key order this reads the heap in order, paying only the index
 * (1.2–1.4× the backend CPU of one plain sequential `count + sum`), where a `GROUP BY` pays a hash look-up
 * and a per-group transition state for every row (1.4–1.45×; see docs/benchmarks.md). Needs a btree index
 * led by the key: without one every group would scan the table (the dialect checks first).
 *
 * The checksum itself is unchanged: the exact sum (numeric, no overflow) of 48-bit row hashes and the row
 * count per group, so collision resistance is that of the group-by shape.
 *
 * The first and last group come from the range's bounds, or — for an open end — from the lowest or highest
 * key read in the same statement (one snapshot: a key a live source adds past the end is in that snapshot's
 * last group or not read at all, as with a scan). Groups without rows are left out.
 */
export function keyRangeSumsSql(
  q: TableQuery,
  range: KeyRange,
  origin: bigint,
  width: bigint,
  hash: string,
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const t = F.ident(q.table);
  const o = `${b.bind(origin.toString())}::bigint`;
  const w = `${b.bind(width.toString())}::bigint`;
  const filter = q.where ? ` WHERE (${q.where})` : '';
  const edge = (agg: 'min' | 'max') =>
    `(SELECT floor((${agg}(${k}) - ${o})::numeric / ${w})::bigint FROM ${t}${filter})`;
  const first =
    range.lo === null ? edge('min') : `${b.bind(floorDiv(range.lo - origin, width).toString())}::bigint`;
  const last =
    range.hi === null ? edge('max') : `${b.bind(floorDiv(range.hi - 1n - origin, width).toString())}::bigint`;
  // The group's first key, and its last key inclusive, kept inside bigint near the top of the key space.
  const lo = `${o} + g * ${w}`;
  const hi = `least(${lo}, ${b.bind(BIGINT_MAX.toString())}::bigint - (${w} - 1)) + (${w} - 1)`;
  const where = rangeCondition(F, q, { lo: range.lo, hi: range.hi }, b);
  const inGroup = `${k} >= ${lo} AND ${k} <= ${hi}`;
  const cond = where ? `${where} AND ${inGroup}` : ` WHERE ${inGroup}`;
  return {
    sql:
      `SELECT g::text, s.c::text, s.h::text FROM generate_series(${first}, ${last}) g, ` +
      `LATERAL (SELECT count(*) AS c, coalesce(sum(${hash}), 0) AS h FROM ${t}${cond}) s WHERE s.c > 0`,
    values: b.values,
  };
}
