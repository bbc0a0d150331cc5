import type { KeyRange, TableQuery } from '../dialect.js';
import type { BoundSql } from '../query-shapes.js';
import { Binder, rangeCondition, singleKey } from '../query-shapes.js';
import { POSTGRES_FLAVOUR as F } from './postgres-render.js';

const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** Groups an open-ended part holds at most (a far key a live source adds falls in the last one). */
const MAX_GROUPS = 1_048_576;

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
 * last group or not read at all, as with a scan). Groups without rows are left out, and so are the groups in
 * `skip` (summed already by `listedGroupSumsSql`; never the first or last group).
 */
export function keyRangeSumsSql(
  q: TableQuery,
  range: KeyRange,
  origin: bigint,
  width: bigint,
  hash: string,
  skip: readonly number[] = [],
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const t = F.ident(q.table);
  const o = `${b.bind(origin.toString())}::bigint`;
  const w = `${b.bind(width.toString())}::bigint`;
  const filter = q.where ? ` WHERE (${q.where})` : '';
  // An open start begins at group 0 (`origin` is the lowest key of both sides when the comparison starts); an
  // open end at the group of the highest key read in the same statement (one snapshot), at most `MAX_GROUPS`
  // further. The first group of an open start and the last of an open end have no bound on that side, so a key
  // a live source adds below `origin` or past the last group is still counted (in the group at that end).
  const first =
    range.lo === null ? '0::bigint' : `${b.bind(floorDiv(range.lo - origin, width).toString())}::bigint`;
  const last =
    range.hi === null
      ? `(SELECT least(greatest((div(d, ${w}) - CASE WHEN mod(d, ${w}) < 0 THEN 1 ELSE 0 END), ${first}), ${first} + ${MAX_GROUPS})::bigint ` +
        `FROM (SELECT max(${k})::numeric - ${o} AS d FROM ${t}${filter}) e)`
      : `${b.bind(floorDiv(range.hi - 1n - origin, width).toString())}::bigint`;
  // The group's first key, and its last key inclusive (kept inside bigint near the top of the key space).
  const groupLo = `${o} + g * ${w}`;
  const lo =
    range.lo === null
      ? `CASE WHEN g = z.g0 THEN ${b.bind((-BIGINT_MAX - 1n).toString())}::bigint ELSE ${groupLo} END`
      : groupLo;
  const highest = `${b.bind(BIGINT_MAX.toString())}::bigint`;
  const closedHi = `least(${groupLo}, ${highest} - (${w} - 1)) + (${w} - 1)`;
  const hi = range.hi === null ? `CASE WHEN g = z.g1 THEN ${highest} ELSE ${closedHi} END` : closedHi;
  const where = rangeCondition(F, q, { lo: range.lo, hi: range.hi }, b);
  const inGroup = `${k} >= ${lo} AND ${k} <= ${hi}`;
  const cond = where ? `${where} AND ${inGroup}` : ` WHERE ${inGroup}`;
  // Groups already summed (a sample) are left out before their range is read: the filter applies to the series,
  // through a hashed sub-plan (one look-up per group, where `<> ALL(array)` would compare with every element).
  const skipped = skip.length ? ` AND g NOT IN (SELECT unnest(${b.bind(skip.map(String))}::bigint[]))` : '';
  return {
    sql:
      `SELECT g::text, s.c::text, s.h::text FROM (SELECT ${first} AS g0, ${last} AS g1) z, ` +
      `generate_series(z.g0, z.g1) g, ` +
      `LATERAL (SELECT count(*) AS c, coalesce(sum(${hash}), 0) AS h FROM ${t}${cond}) s WHERE s.c > 0${skipped}`,
    values: b.values,
  };
}

/**
 * The same per-group `count + sum` as `keyRangeSumsSql`, for a list of groups (a sample spread over the key
 * space): one index range scan per listed group. Every listed group is closed on both ends (never the first or
 * last group of a comparison, which hold the keys a live source adds past the ends).
 */
export function listedGroupSumsSql(
  q: TableQuery,
  origin: bigint,
  width: bigint,
  groups: readonly number[],
  hash: string,
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const t = F.ident(q.table);
  const o = `${b.bind(origin.toString())}::bigint`;
  const w = `${b.bind(width.toString())}::bigint`;
  const list = `${b.bind(groups.map(String))}::bigint[]`;
  const groupLo = `${o} + g * ${w}`;
  const hi = `least(${groupLo}, ${b.bind(BIGINT_MAX.toString())}::bigint - (${w} - 1)) + (${w} - 1)`;
  const filter = q.where ? ` AND (${q.where})` : '';
  return {
    sql:
      `SELECT g::text, s.c::text, s.h::text FROM unnest(${list}) g, ` +
      `LATERAL (SELECT count(*) AS c, coalesce(sum(${hash}), 0) AS h FROM ${t} ` +
      `WHERE ${k} >= ${groupLo} AND ${k} <= ${hi}${filter}) s WHERE s.c > 0`,
    values: b.values,
  };
}

/**
 * The `groupChecksumSql` sums of the keys inside a few disjoint key ranges (differing groups compared again by
 * finer groups): one index range scan per range, then a hash aggregate of their rows — where a `WHERE` of OR-ed
 * ranges reads a bitmap of them all (0.8 against 1.2 µs of backend CPU per row at 400 rows per range, see
 * docs/benchmarks.md). The ranges must not overlap: a row in two would be counted twice. The group is computed
 * inside the ranges' subquery (`OFFSET 0`) so the planner sizes the hash table for its default of 200 groups, not
 * for the key's distinct count (a table planned for spilling, allocated and touched in full by every statement).
 */
export function withinGroupSumsSql(
  q: TableQuery,
  within: readonly { readonly lo: bigint; readonly hi: bigint }[],
  origin: bigint,
  width: bigint,
  hash: string,
): BoundSql {
  const b = new Binder(F);
  const k = F.ident(singleKey(q));
  const lo = b.bind(within.map((r) => r.lo.toString()));
  // Inclusive last keys: a range's end may lie past the largest bigint.
  const last = b.bind(within.map((r) => (r.hi - 1n > BIGINT_MAX ? BIGINT_MAX : r.hi - 1n).toString()));
  const o = `${b.bind(origin.toString())}::bigint`;
  const w = `${b.bind(width.toString())}::bigint`;
  const filter = q.where ? ` AND (${q.where})` : '';
  return {
    sql:
      `SELECT s.g, count(*), sum(s.h) FROM unnest(${lo}::bigint[], ${last}::bigint[]) ` +
      `AS tminus_r(lo, last), LATERAL (SELECT (${k} - ${o}) / ${w} AS g, ${hash} AS h FROM ${F.ident(q.table)} ` +
      `WHERE ${k} >= tminus_r.lo AND ${k} <= tminus_r.last${filter} OFFSET 0) s GROUP BY 1`,
    values: b.values,
  };
}
