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
 * Compares a table with a single integer key in one pass over each side. The keys are cut into groups of
 * consecutive values (about `ROWS_PER_GROUP` rows each, from the lowest and highest key of both sides: two
 * index look-ups, no boundary queries). Each side is read in parts in its physical order — heap page ranges on
 * PostgreSQL (TID range scans), key ranges on InnoDB and SQLite — and every part returns the count and sum of
 * each group it holds, so the sides never wait for each other and every row is hashed once. Groups are
 * additive: once both sides are read, the groups that differ are downloaded by key range (an index range scan)
 * or, when one holds many rows, compared again by finer groups. Part size adapts so one query takes about
 * `segmentSeconds`.
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
  const span = end - min;
  const groups = BigInt(
    clamp(Math.ceil(Math.max(ctx.totalRows, 1) / ROWS_PER_GROUP), 1, Math.min(MAX_GROUPS, Number(span))),
  );
  const width = (span + groups - 1n) / groups;
  const [source, target] = await Promise.all([
    scanSide(ctx, 'source', min, end, width),
    scanSide(ctx, 'target', min, end, width),
  ]);
  const differing = differingGroups(source, target, min, width);
  ctx.tally(total(source), total(target));
  await narrow(ctx, differing);
}

/** Reads one side in parts of its physical order and adds up the group checksums of every part. */
async function scanSide(
  ctx: DiffContext,
  which: 'source' | 'target',
  min: bigint,
  end: bigint,
  width: bigint,
): Promise<Map<number, Checksum>> {
  const side = which === 'source' ? ctx.source : ctx.target;
  const query = which === 'source' ? ctx.plan.source : ctx.plan.target;
  const slots = which === 'source' ? ctx.sourceSlots : ctx.targetSlots;
  const layout = await slots.run(() => side.scanLayout(query));
  ctx.stats.queries++;
  const goal = (ctx.options.segmentSeconds ?? DEFAULTS.segmentSeconds) * 1000;
  const keysPerRow = Number(end - min) / Math.max(ctx.totalRows, 1);
  const sums = new Map<number, Checksum>();
  // The first part is a sixteenth of the table (at least the usual first segment): on a loaded machine every
  // query also pays a fixed cost, so a whole-table pass starts with few, large parts.
  let step = clamp(Math.round(ctx.totalRows / 16), DEFAULTS.firstSegmentRows, MAX_SEGMENT);
  let rate = 0; // rows per ms, exponentially averaged
  let page = 0;
  let key: bigint | null = null;
  for (let last = false; !last;) {
    ctx.checkAborted();
    let part: KeyRange;
    if (layout.by === 'pages') {
      const to = page + Math.max(1, Math.ceil(step / layout.rowsPerPage));
      last = to >= layout.pages;
      part = { lo: null, hi: null, pages: { from: page, to: last ? null : to } };
      page = to;
    } else {
      const next: bigint = (key ?? min) + BigInt(Math.max(1, Math.ceil(step * keysPerRow)));
      last = next >= end;
      part = { lo: key, hi: last ? null : next };
      key = next;
    }
    const started = ctx.clock.now();
    const got = await slots.run(() => side.groupChecksums(query, part, min, width, ctx.plan.native));
    ctx.stats.queries++;
    let rows = 0;
    for (const [g, c] of got) {
      rows += Number(c.count);
      const had = sums.get(g);
      sums.set(g, had ? { count: had.count + c.count, sum: had.sum + c.sum } : c);
    }
    if (which === 'source') ctx.progress(rows);
    if (rows >= MIN_SEGMENT) {
      const r = rows / Math.max(1, ctx.clock.now() - started);
      rate = rate === 0 ? r : 0.7 * rate + 0.3 * r;
      step = clamp(Math.round(rate * goal), MIN_SEGMENT, MAX_SEGMENT);
    }
  }
  return sums;
}

interface Differing {
  readonly range: Bounded;
  readonly rows: number;
  readonly source: bigint;
  readonly target: bigint;
}

/** The key ranges of the groups whose count or sum differ, in key order. */
function differingGroups(
  a: Map<number, Checksum>,
  b: Map<number, Checksum>,
  origin: bigint,
  width: bigint,
): Differing[] {
  const out: Differing[] = [];
  for (const g of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(g) ?? EMPTY;
    const y = b.get(g) ?? EMPTY;
    if (same(x, y)) continue;
    const lo = origin + BigInt(g) * width;
    // Not clamped to `end`: a key a live source added past the highest one still falls in its group's range.
    const hi = lo + width;
    const rows = Number(x.count > y.count ? x.count : y.count);
    out.push({ range: { lo, hi }, rows, source: x.count, target: y.count });
  }
  return out.sort((p, q) => (p.range.lo < q.range.lo ? -1 : 1));
}

const total = (m: Map<number, Checksum>) => [...m.values()].reduce((n, c) => n + c.count, 0n);

/** Compares a differing key range again by finer groups (an index range scan on each side). */
async function compareRange(ctx: DiffContext, range: Bounded, expectedRows: number): Promise<void> {
  const keys = range.hi - range.lo;
  const groups = BigInt(
    clamp(Math.ceil(expectedRows / ROWS_PER_GROUP), 1, Math.min(MAX_GROUPS, Number(keys))),
  );
  const width = (keys + groups - 1n) / groups;
  const [a, b] = await ctx.both(
    () => ctx.source.groupChecksums(ctx.plan.source, range, range.lo, width, ctx.plan.native),
    () => ctx.target.groupChecksums(ctx.plan.target, range, range.lo, width, ctx.plan.native),
  );
  await narrow(ctx, differingGroups(a, b, range.lo, width));
}

/**
 * Resolves differing groups: downloaded together (up to the download threshold of rows per query), counted
 * without download when one side is empty and the key list is full, or compared again by finer groups.
 */
async function narrow(ctx: DiffContext, differing: readonly Differing[]): Promise<void> {
  let batch: Bounded[] = [];
  let batchRows = 0;
  const flush = async () => {
    const parts = batch;
    batch = [];
    batchRows = 0;
    if (parts.length === 0) return;
    // One query per side for the whole batch: scattered groups cost one round trip, not one each.
    await ctx.compareRows((side, which) =>
      side.rows(which === 'source' ? ctx.plan.source : ctx.plan.target, {
        lo: null,
        hi: null,
        within: parts,
      }),
    );
  };
  for (const d of differing) {
    const emptySide = d.target === 0n ? 'missingInTarget' : d.source === 0n ? 'missingInSource' : undefined;
    if (emptySide && ctx.collector.full(emptySide) && (ctx.options.recheckAfterMs ?? 0) === 0) {
      // Every row of the group is missing on one side and the key list is already full: count, don't download.
      ctx.collector.countOnly(emptySide, d.rows);
    } else if (d.rows > ctx.threshold && d.range.hi - d.range.lo > 1n) {
      await flush();
      await compareRange(ctx, d.range, d.rows);
    } else {
      if (batchRows + d.rows > ctx.threshold) await flush();
      batch.push(d.range);
      batchRows += d.rows;
    }
  }
  await flush();
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
