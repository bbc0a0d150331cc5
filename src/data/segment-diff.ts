import { DEFAULTS } from './compare-options.js';
import type { Checksum, KeyRange } from './dialect.js';
import type { DiffContext } from './diff-context.js';

const MIN_SEGMENT = 1_000;
const MAX_SEGMENT = 5_000_000;
/** Rows per key group aimed at: a scattered difference costs a download of about this many rows per side. */
const ROWS_PER_GROUP = 256;
/** Groups per checksum query at most: the hash aggregate stays a few MB, far below PostgreSQL's work_mem. */
const MAX_GROUPS = 16_384;

type Bounded = KeyRange & { readonly lo: bigint; readonly hi: bigint };

/**
 * Compares a table with a single integer key by segments of the key range, taken from the lowest and highest
 * key of both sides (two index look-ups: no boundary queries, key gaps only make segments thinner). Each
 * segment is one query per side that returns the checksum of every group of consecutive keys in it, so the
 * one scan that proves a segment identical also points at the few small key ranges that differ; those are
 * downloaded by key range (an index range scan), or re-grouped finer when they hold many rows. Segment size
 * adapts so one query takes about `segmentSeconds`.
 */
export async function diffSegments(ctx: DiffContext): Promise<void> {
  if (!ctx.checksums) return downloadSegments(ctx);
  const [a, b] = await ctx.both(
    () => ctx.source.keyBounds(ctx.plan.source),
    () => ctx.target.keyBounds(ctx.plan.target),
  );
  if (!a && !b) return;
  const min = minOf(a?.min, b?.min);
  const end = maxOf(a?.max, b?.max) + 1n;
  const target = (ctx.options.segmentSeconds ?? DEFAULTS.segmentSeconds) * 1000;
  const lookahead = ctx.options.connections ?? DEFAULTS.connections;
  // Rows per key value, first from the planner's estimate, then from what the segments counted.
  let seenRows = 0;
  let seenKeys = 0n;
  const density = () =>
    seenKeys > 0n && seenRows > 0
      ? seenRows / Number(seenKeys)
      : Math.max(ctx.totalRows, 1) / Number(end - min);
  let step: number = DEFAULTS.firstSegmentRows;
  let rate = 0; // rows per ms, exponentially averaged
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for (let lo = min; lo < end;) {
    ctx.checkAborted();
    if (failure !== undefined) break;
    const width = BigInt(Math.max(1, Math.ceil(step / Math.max(density(), 1e-12))));
    const hi = lo + width < end ? lo + width : end;
    const range: Bounded = { lo, hi };
    const started = ctx.clock.now();
    const job = compareRange(ctx, range, step, true)
      .then((rows) => {
        seenRows += rows;
        seenKeys += range.hi - range.lo;
        const ms = Math.max(1, ctx.clock.now() - started);
        if (rows >= MIN_SEGMENT) {
          const r = rows / ms;
          rate = rate === 0 ? r : 0.7 * rate + 0.3 * r;
        }
        if (rate > 0) step = clamp(Math.round(rate * target), MIN_SEGMENT, MAX_SEGMENT);
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => running.delete(job));
    running.add(job);
    lo = hi;
    if (running.size >= lookahead) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}

/**
 * Compares one key range by its groups; returns the number of rows it covered on the side with more. Groups
 * that differ are downloaded together (up to the download threshold per query) or, when one holds too many
 * rows, compared again by finer groups.
 */
async function compareRange(
  ctx: DiffContext,
  range: Bounded,
  expectedRows: number,
  top: boolean,
): Promise<number> {
  const keys = range.hi - range.lo;
  const groups = BigInt(
    clamp(Math.ceil(expectedRows / ROWS_PER_GROUP), 1, Math.min(MAX_GROUPS, Number(keys))),
  );
  const width = (keys + groups - 1n) / groups;
  const [a, b] = await ctx.both(
    () => ctx.source.groupChecksums(ctx.plan.source, range, width, ctx.plan.native),
    () => ctx.target.groupChecksums(ctx.plan.target, range, width, ctx.plan.native),
  );
  let sourceRows = 0n;
  let targetRows = 0n;
  const differing: { range: Bounded; rows: number; source: bigint; target: bigint }[] = [];
  for (const g of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(g) ?? EMPTY;
    const y = b.get(g) ?? EMPTY;
    sourceRows += x.count;
    targetRows += y.count;
    if (same(x, y)) continue;
    const lo = range.lo + BigInt(g) * width;
    const hi = lo + width < range.hi ? lo + width : range.hi;
    const rows = Number(x.count > y.count ? x.count : y.count);
    differing.push({ range: { lo, hi }, rows, source: x.count, target: y.count });
  }
  if (top) ctx.tally(sourceRows, targetRows);
  differing.sort((p, q) => (p.range.lo < q.range.lo ? -1 : 1));
  let batch: Bounded[] = [];
  let batchRows = 0;
  const flush = async () => {
    const parts = batch;
    batch = [];
    batchRows = 0;
    if (parts.length === 0) return;
    await ctx.compareRows(async (side, which) => {
      const q = which === 'source' ? ctx.plan.source : ctx.plan.target;
      const rows = [];
      for (const part of parts) rows.push(...(await side.rows(q, part)));
      return rows;
    });
  };
  for (const d of differing) {
    const emptySide = d.target === 0n ? 'missingInTarget' : d.source === 0n ? 'missingInSource' : undefined;
    if (emptySide && ctx.collector.full(emptySide) && (ctx.options.recheckAfterMs ?? 0) === 0) {
      // Every row of the group is missing on one side and the key list is already full: count, don't download.
      ctx.collector.countOnly(emptySide, d.rows);
    } else if (d.rows > ctx.threshold && d.range.hi - d.range.lo > 1n) {
      await compareRange(ctx, d.range, d.rows, false);
    } else {
      if (batchRows + d.rows > ctx.threshold) await flush();
      batch.push(d.range);
      batchRows += d.rows;
    }
  }
  await flush();
  const rows = Number(sourceRows > targetRows ? sourceRows : targetRows);
  if (top) ctx.progress(Number(sourceRows));
  return rows;
}

/** The download path: segments of at most the download threshold (by row count), downloaded and compared. */
async function downloadSegments(ctx: DiffContext): Promise<void> {
  let lo: bigint | null = null;
  for (;;) {
    ctx.checkAborted();
    const hi = await ctx.boundarySlots.run(() =>
      ctx.source.boundary(ctx.plan.source, { lo, hi: null }, ctx.threshold),
    );
    ctx.stats.queries++;
    const range: KeyRange = { lo, hi };
    const rows = await ctx.compareRows((side, which) =>
      side.rows(which === 'source' ? ctx.plan.source : ctx.plan.target, range),
    );
    ctx.tally(BigInt(rows.source), BigInt(rows.target));
    ctx.progress(rows.source);
    if (hi === null) return;
    lo = hi;
  }
}

const EMPTY: Checksum = { count: 0n, sum: 0n };

function same(x: Checksum, y: Checksum): boolean {
  return x.count === y.count && x.sum === y.sum;
}

const minOf = (x: bigint | undefined, y: bigint | undefined) =>
  x === undefined ? (y ?? 0n) : y === undefined || x < y ? x : y;
const maxOf = (x: bigint | undefined, y: bigint | undefined) =>
  x === undefined ? (y ?? 0n) : y === undefined || x > y ? x : y;

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
