import { DEFAULTS } from './compare-options.js';
import type { Checksum, Dialect, KeyRange, TableQuery } from './dialect.js';
import type { DiffContext } from './diff-context.js';

const MIN_SEGMENT = 1_000;
const MAX_SEGMENT = 5_000_000;

/**
 * Compares a table with a single integer key by segments of rows. Boundaries come from the source's key index
 * by row count (immune to key gaps); the segment size adapts so one checksum query takes about
 * `segmentSeconds`. Differing segments are split by row count until they are small enough to download.
 */
export async function diffSegments(ctx: DiffContext): Promise<void> {
  const target = (ctx.options.segmentSeconds ?? DEFAULTS.segmentSeconds) * 1000;
  const lookahead = (ctx.options.connections ?? DEFAULTS.connections) + 1;
  // The download path reads segments of at most the download threshold, whatever their duration.
  let step: number = ctx.checksums ? DEFAULTS.firstSegmentRows : ctx.threshold;
  let rate = 0; // source rows per ms, exponentially averaged
  const running = new Set<Promise<void>>();
  let failure: unknown;
  let lo: bigint | null = null;
  for (;;) {
    ctx.checkAborted();
    if (failure !== undefined) break;
    const hi = await ctx.boundarySlots.run(() =>
      ctx.source.boundary(ctx.plan.source, { lo, hi: null }, step),
    );
    ctx.stats.queries++;
    const range: KeyRange = { lo, hi };
    const started = ctx.clock.now();
    const job = compareSegment(ctx, range, 0, step)
      .then((rows) => {
        const ms = Math.max(1, ctx.clock.now() - started);
        const r = rows / ms;
        rate = rate === 0 ? r : 0.7 * rate + 0.3 * r;
        if (rate > 0 && ctx.checksums) step = clamp(Math.round(rate * target), MIN_SEGMENT, MAX_SEGMENT);
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => running.delete(job));
    running.add(job);
    if (hi === null) break;
    lo = hi;
    if (running.size >= lookahead) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}

/** Primes for the residue modulus: odd, so regularly spaced keys (steps of 2, 10, 1000) still spread evenly. */
const MODULI = [1, 31, 127, 509, 2039, 8191, 16381];
/** Rows per residue aimed at: a few scattered differences cost a download of this many rows each. */
const ROWS_PER_RESIDUE = 64;

function modulusFor(rows: number): number {
  const wanted = rows / ROWS_PER_RESIDUE;
  return MODULI.find((m) => m >= wanted) ?? MODULI[MODULI.length - 1]!;
}

/**
 * Compares one range; returns the number of source rows it covered. Until a first difference shows up, a range
 * costs one plain checksum per side (the lower bound's own query). After that the table probably has more
 * scattered differences, so ranges are checksummed per key residue, which finds them without another scan.
 */
async function compareSegment(
  ctx: DiffContext,
  range: KeyRange,
  depth: number,
  expectedRows: number,
): Promise<number> {
  if (!ctx.checksums) {
    const rows = await ctx.compareRows((side, which) =>
      side.rows(which === 'source' ? ctx.plan.source : ctx.plan.target, range),
    );
    ctx.tally(BigInt(rows.source), BigInt(rows.target));
    ctx.progress(rows.source);
    return rows.source;
  }
  if (!ctx.residues) {
    const sum = (d: Dialect, q: TableQuery): Promise<Checksum> =>
      ctx.plan.native && d.nativeChecksum ? d.nativeChecksum(q, range) : d.checksum(q, range);
    const [a, b] = await ctx.both(
      () => sum(ctx.source, ctx.plan.source),
      () => sum(ctx.target, ctx.plan.target),
    );
    if (a.count === b.count && a.sum === b.sum) {
      if (depth === 0) {
        ctx.tally(a.count, b.count);
        ctx.progress(Number(a.count));
      }
      return Number(a.count);
    }
    ctx.residues = true;
  }
  const modulus = modulusFor(expectedRows);
  const [a, b] = await ctx.both(
    () => ctx.source.residueChecksums(ctx.plan.source, range, modulus, ctx.plan.native),
    () => ctx.target.residueChecksums(ctx.plan.target, range, modulus, ctx.plan.native),
  );
  let sourceRows = 0n;
  let targetRows = 0n;
  let differingRows = 0n;
  const differing: number[] = [];
  for (const residue of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(residue) ?? EMPTY;
    const y = b.get(residue) ?? EMPTY;
    sourceRows += x.count;
    targetRows += y.count;
    if (x.count === y.count && x.sum === y.sum) continue;
    differing.push(residue);
    differingRows += x.count > y.count ? x.count : y.count;
  }
  if (differing.length > 0) {
    const rows = sourceRows > targetRows ? sourceRows : targetRows;
    const query = (which: 'source' | 'target') => (which === 'source' ? ctx.plan.source : ctx.plan.target);
    const emptySide =
      targetRows === 0n ? 'missingInTarget' : sourceRows === 0n ? 'missingInSource' : undefined;
    if (emptySide && ctx.collector.full(emptySide) && (ctx.options.recheckAfterMs ?? 0) === 0) {
      // Every row of the range is missing on one side and the key list is already full: count, don't download.
      ctx.collector.countOnly(emptySide, Number(rows));
    } else if (differingRows <= BigInt(ctx.threshold)) {
      // Scattered differences: download only the differing residues of this range.
      await ctx.compareRows((side, which) => side.residueRows(query(which), range, modulus, differing));
    } else if (rows <= BigInt(ctx.threshold)) {
      await ctx.compareRows((side, which) => side.rows(query(which), range));
    } else {
      await split(ctx, range, Number(rows), sourceRows >= targetRows ? 'source' : 'target', depth);
    }
  }
  if (depth === 0) {
    ctx.tally(sourceRows, targetRows);
    ctx.progress(Number(sourceRows));
  }
  return Number(sourceRows);
}

const EMPTY = { count: 0n, sum: 0n };

/** Splits a differing range by row count on the side that has more rows in it, and compares the parts. */
async function split(
  ctx: DiffContext,
  range: KeyRange,
  rows: number,
  from: 'source' | 'target',
  depth: number,
) {
  const side = from === 'source' ? ctx.source : ctx.target;
  const query = from === 'source' ? ctx.plan.source : ctx.plan.target;
  const slots = from === 'source' ? ctx.sourceSlots : ctx.targetSlots;
  const step = Math.max(Math.ceil(rows / DEFAULTS.splitFactor), Math.floor(ctx.threshold / 2), 1);
  const parts: KeyRange[] = [];
  let lo = range.lo;
  for (;;) {
    const next = await slots.run(() => side.boundary(query, { lo, hi: range.hi }, step));
    ctx.stats.queries++;
    // Duplicate keys on a target without a primary key can stall the walk: take the rest as one part.
    const stalled = next !== null && lo !== null && next <= lo;
    parts.push({ lo, hi: stalled ? range.hi : (next ?? range.hi) });
    if (next === null || stalled) break;
    lo = next;
  }
  if (parts.length === 1 || depth > 12) {
    await ctx.compareRows((s, which) =>
      s.rows(which === 'source' ? ctx.plan.source : ctx.plan.target, range),
    );
    return;
  }
  await Promise.all(parts.map((p) => compareSegment(ctx, p, depth + 1, step)));
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
