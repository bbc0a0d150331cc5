import { DEFAULTS } from './compare-options.js';
import type { Checksum, KeyRange, ScanLayout } from './dialect.js';
import type { DiffContext } from './diff-context.js';
import { sampleGroups } from './group-sample.js';
import type { HeapChunk } from './heap-chunks.js';
import { heapChunks } from './heap-chunks.js';
import type { PageDifference } from './page-chunks.js';
import {
  alignedPages,
  comparisonChunks,
  differingChunks,
  onlyMoved,
  pageChunkable,
  pageChunkPass,
  sumHeapChunks,
} from './page-chunks.js';

const MIN_SEGMENT = 1_000;
const MAX_SEGMENT = 5_000_000;
/** Rows per key group aimed at: a scattered difference costs a download of about this many rows per side. */
const ROWS_PER_GROUP = 256;
/** Cautious checksum rates (rows per second and side, on a loaded 2-core machine) that size the first part. */
const NATIVE_ROWS_PER_SECOND = 400_000;
const CANONICAL_ROWS_PER_SECOND = 20_000;
/**
 * Read by heap chunks, each group costs an index look-up (where it starts: 6–10 µs of backend CPU, more on a
 * larger index) and each row of a differing group about 0.8 µs when compared again by finer groups: `4·√rows`
 * groups balance the two for about 100 scattered differences (4,000 groups of 250 rows at 1M rows, 6,900 of
 * 430 at 3M; docs/benchmarks.md).
 */
const CHUNK_GROUPS_PER_SQRT_ROW = 4;
/** Groups per checksum query at most: the hash aggregate stays a few MB, far below PostgreSQL's work_mem. */
const MAX_GROUPS = 16_384;
/** A batch of differing groups holding more rows than this is checksummed again by finer groups first. */
const REFINE_ROWS = 2_048;
/** Rows per finer group when a batch is checksummed again: about what is downloaded per difference. */
const REFINED_GROUP_ROWS = 4;

/**
 * Share of the key groups summed first, before the whole-table check (see `sampleFirst`): about 5 % of the
 * groups costs about 7 % of one plain scan, and misses every one of 100 scattered differences among 4,000
 * groups in under 1 % of runs (which then pay a whole-table pass on top of the grouped one).
 */
const SAMPLE_SHARE = 0.05;
const WHOLE_TABLE: KeyRange = { lo: null, hi: null };

type Bounded = KeyRange & { readonly lo: bigint; readonly hi: bigint };

/**
 * Compares a table with a single integer key in one pass over each side. The keys are cut into groups of
 * consecutive values (about `ROWS_PER_GROUP` rows each, from the lowest and highest key of both sides: two
 * index look-ups, no boundary queries). Each side is read in parts in its physical order — heap page ranges on
 * PostgreSQL (TID range scans) unless its heap is in key order, key ranges on InnoDB, SQLite and key-ordered
 * PostgreSQL tables — and every part returns the count and sum of
 * each group it holds, so the sides never wait for each other and every row is hashed once. Groups are
 * additive: once both sides are read, the groups that differ are downloaded by key range (an index range scan)
 * or, when one holds many rows, compared again by finer groups. Part size adapts so one query takes about
 * `segmentSeconds`. Where a grouped pass costs clearly more than a plain scan, a sample of the groups is
 * summed first, then the whole table (see `sampleFirst`).
 */
export async function diffSegments(ctx: DiffContext): Promise<void> {
  if (!ctx.checksums) return downloadSegments(ctx);
  // Key bounds, scan layouts and heap sizes (for page chunks) are independent look-ups: asked at once (each
  // side's pool has a spare session).
  const [[a, b], layouts, aligned] = await Promise.all([
    ctx.both(
      () => ctx.source.keyBounds(ctx.plan.source),
      () => ctx.target.keyBounds(ctx.plan.target),
    ),
    Promise.all([ctx.source.scanLayout(ctx.plan.source), ctx.target.scanLayout(ctx.plan.target)]),
    // Whether the heaps are laid out alike, probed as soon as their sizes are known (beside the layouts).
    ctx.plan.native && (ctx.options.recheckAfterMs ?? 0) === 0 && pageChunkable(ctx)
      ? Promise.all([ctx.source.heapPages!(ctx.plan.source), ctx.target.heapPages!(ctx.plan.target)]).then(
          (sizes) => alignedPages(ctx, sizes),
        )
      : null,
  ]);
  ctx.stats.queries += 2;
  if (!a && !b) return;
  const min = minOf(a?.min, b?.min);
  const end = maxOf(a?.max, b?.max) + 1n;
  const span = end - min;
  const chunked = heapChunked(ctx, layouts);
  const rows = Math.max(ctx.totalRows, 1);
  const groups = BigInt(
    clamp(
      chunked ? Math.round(CHUNK_GROUPS_PER_SQRT_ROW * Math.sqrt(rows)) : Math.ceil(rows / ROWS_PER_GROUP),
      1,
      Math.min(MAX_GROUPS, Number(span)),
    ),
  );
  const width = alignedWidth((span + groups - 1n) / groups);
  // Two heaps laid out alike are compared by fixed page ranges (page-chunks.ts), their sample too; too many
  // rows differing, by the key groups (no sample: the tables are known to differ).
  const pages = chunked ? aligned : null;
  if (pages !== null) {
    const found = await pagePath(ctx, pages, sampleFirst(ctx, layouts));
    if (found === 'identical') return;
    if (found) return downloadKeys(ctx, found);
    return chunkedPass(ctx, min, width, Number((span + width - 1n) / width), [], [new Map(), new Map()]);
  }
  const sample = sampleFirst(ctx, layouts)
    ? sampleGroups(Number((span + width - 1n) / width), SAMPLE_SHARE, ctx.clock.now())
    : [];
  let sampled: [Map<number, Checksum>, Map<number, Checksum>] = [new Map(), new Map()];
  if (sample.length > 0) {
    sampled = await ctx.both(
      () => ctx.source.listedGroupChecksums!(ctx.plan.source, min, width, sample, true),
      () => ctx.target.listedGroupChecksums!(ctx.plan.target, min, width, sample, true),
    );
    const sampleRows = Number(total(sampled[0]));
    ctx.progress(sampleRows);
    if (differingGroups(sampled[0], sampled[1], min, width).length === 0) {
      // Every sampled group matches: one plain count + sum per side over a sequential scan (about the cost of
      // the bound) says whether the tables are identical. Equal: done, nothing else is read.
      if (await wholeTablesSame(ctx, sampleRows)) return;
    }
    // The tables differ (in a sampled group, or only elsewhere): the other groups in one grouped pass.
  }
  if (chunked) {
    return chunkedPass(ctx, min, width, Number((span + width - 1n) / width), sample, sampled);
  }
  const [source, target] = await Promise.all([
    scanSide(ctx, 'source', layouts[0], min, end, width, sample, sampled[0]),
    scanSide(ctx, 'target', layouts[1], min, end, width, sample, sampled[1]),
  ]);
  const differing = differingGroups(source, target, min, width);
  ctx.tally(total(source), total(target));
  await narrow(ctx, differing);
}

/**
 * Two heaps laid out alike (`pages` pages each): with `sampling`, about 5 % of the page chunks are summed first
 * (TID range scans of a few pages each: ~0.05 of one plain scan, and not read again by the page pass). Every
 * sampled chunk alike, or differing only by rows moved by updates (`onlyMoved`): one plain whole-table `count +
 * sum` per side — a sequential scan through a small ring of buffers — says whether the tables are identical.
 * Otherwise, and when that differs, the other chunks are summed and the differing ones compared by their rows
 * (`pageChunkPass`: the differing keys, or null past a tenth of the rows). Identical tables never run the whole
 * page pass: its TID range scans read through all of shared buffers, and a new session faults on its first
 * touch of each, about 0.15× the bound more (docs/benchmarks.md). Differing tables are not read by a grouped
 * plain scan instead: its hash aggregate costs a third of the row hash on every row, more than those touches
 * cost on most hosts (measured both ways: docs/benchmarks.md, `diff8` and `diff9`).
 */
async function pagePath(
  ctx: DiffContext,
  pages: number,
  sampling: boolean,
): Promise<'identical' | PageDifference[] | null> {
  if (!sampling) return pageChunkPass(ctx, pages);
  const chunks = comparisonChunks(ctx, pages);
  const picked = sampleGroups(chunks.length, SAMPLE_SHARE, ctx.clock.now()).map((i) => chunks[i]!);
  // One statement per side (about 5 % of the rows), with each chunk's key bounds for `onlyMoved`.
  const sums = await ctx.both(
    () => ctx.source.keyedChunkChecksums!(ctx.plan.source, picked),
    () => ctx.target.keyedChunkChecksums!(ctx.plan.target, picked),
  );
  const sampleRows = [...sums[0].values()].reduce((n, c) => n + Number(c.count), 0);
  ctx.progress(sampleRows);
  const differing = differingChunks(picked, sums);
  if (differing.length === 0 || (await onlyMoved(ctx, differing, sums))) {
    if (await wholeTablesSame(ctx, sampleRows)) return 'identical';
  }
  return pageChunkPass(ctx, pages, { chunks: picked, sums });
}

/**
 * One plain whole-table `count + sum` per side (a sequential scan through a small ring of buffers): whether the
 * tables are identical. When they are, the rows are counted and the progress past the `sampledRows` told.
 */
async function wholeTablesSame(ctx: DiffContext, sampledRows: number): Promise<boolean> {
  const [x, y] = await ctx.both(
    () => ctx.source.nativeChecksum!(ctx.plan.source, WHOLE_TABLE),
    () => ctx.target.nativeChecksum!(ctx.plan.target, WHOLE_TABLE),
  );
  if (!same(x, y)) return false;
  ctx.tally(x.count, y.count);
  ctx.progress(Math.max(0, Number(x.count) - sampledRows));
  return true;
}

/** Downloads and compares the rows of the keys the page pass found differing. */
function downloadKeys(ctx: DiffContext, found: readonly PageDifference[]): Promise<void> {
  const one = (b: boolean) => (b ? 1n : 0n);
  return download(
    ctx,
    found.map((d) => ({
      range: { lo: d.key, hi: d.key + 1n },
      rows: 1,
      source: one(d.source),
      target: one(d.target),
    })),
  );
}

/**
 * Whether to sum a sample of the groups first, then — when every sampled group matches — compare one plain
 * whole-table `count + sum` per side before any grouped pass. Worth it where the grouped pass costs clearly
 * more than a plain scan: PostgreSQL native row hashes (cheap, so the per-group work weighs 1.2–1.45×, see
 * docs/benchmarks.md), both sides read by key ranges through an index. Identical tables then cost about one
 * plain scan plus the sample; differing tables, caught by the sample, one grouped pass as without it; a table
 * whose only differences all fall outside the sample pays the whole-table check on top. Not for a live source:
 * its whole-table sums would nearly always differ.
 */
function sampleFirst(ctx: DiffContext, layouts: readonly [ScanLayout, ScanLayout]): boolean {
  return (
    ctx.plan.native &&
    (ctx.options.recheckAfterMs ?? 0) === 0 &&
    layouts.every((l) => l.by === 'keys' && l.listed === true) &&
    !!ctx.source.listedGroupChecksums &&
    !!ctx.target.listedGroupChecksums &&
    !!ctx.source.nativeChecksum &&
    !!ctx.target.nativeChecksum
  );
}

/**
 * Whether the grouped pass reads both sides by heap chunks (see `heap-chunks.ts`): PostgreSQL native row hashes
 * on heaps in key order, where one index look-up per group finds where it starts in the heap and each chunk is
 * then summed over a sequential TID range scan — 1.04× the backend CPU of a plain scan plus 0.08× for the
 * look-ups, where an index range scan per group costs 1.22× and a `GROUP BY` 1.4× (docs/benchmarks.md). Not
 * for a live source: a row moved between two parts' statements could be read twice or not at all.
 */
function heapChunked(ctx: DiffContext, layouts: readonly [ScanLayout, ScanLayout]): boolean {
  return (
    ctx.plan.native &&
    (ctx.options.recheckAfterMs ?? 0) === 0 &&
    layouts.every((l) => l.by === 'keys' && l.listed === true) &&
    [ctx.source, ctx.target].every((d) => !!d.groupStarts && !!d.heapChunkChecksums && !!d.chunkStragglers)
  );
}

/**
 * The grouped pass by heap chunks. A chunk's sums are those of the rows it holds, so two sides' chunks of a
 * group compare the same rows only when both hold just that group's keys; a row elsewhere (a straggler: moved
 * by an update, inserted out of order) makes the chunk it lies in differ on one side instead. The chunks of
 * sampled groups are not summed again (their groups were, by key): only their row counts and stragglers are
 * read. So every difference shows in a group the sample found differing, in a chunk whose sums differ, or as
 * a straggler of a sampled group's chunk; each such group is compared by key ranges (`narrow`, exact), and
 * the group of every straggler of those chunks (both sides) as well.
 */
async function chunkedPass(
  ctx: DiffContext,
  min: bigint,
  width: bigint,
  groups: number,
  sample: readonly number[],
  sampled: readonly [Map<number, Checksum>, Map<number, Checksum>],
): Promise<void> {
  const skip = new Set(sample);
  const [a, b] = await Promise.all([
    chunkSide(ctx, 'source', min, width, groups, skip),
    chunkSide(ctx, 'target', min, width, groups, skip),
  ]);
  ctx.tally(a.rows, b.rows);
  // A side's chunk counts are not its group's: never 0 (a group missing on one side is refined, not counted).
  const differing = [
    ...differingGroups(a.sums, b.sums, min, width).map((d) => ({
      ...d,
      source: d.source > 0n ? d.source : 1n,
      target: d.target > 0n ? d.target : 1n,
    })),
    ...differingGroups(sampled[0], sampled[1], min, width),
  ].sort((p, q) => (p.range.lo < q.range.lo ? -1 : 1));
  const flagged = new Set(differing.map((d) => Number((d.range.lo - min) / width)));
  const [x, y] =
    flagged.size === 0
      ? [[], []]
      : await ctx.both(
          async () => (await ctx.source.chunkStragglers!(ctx.plan.source, flaggedChunks(a.chunks))).keys,
          async () => (await ctx.target.chunkStragglers!(ctx.plan.target, flaggedChunks(b.chunks))).keys,
        );
  function flaggedChunks(chunks: readonly HeapChunk[]) {
    return chunks.filter((c) => flagged.has(c.group) && !skip.has(c.group));
  }
  // The group of every straggler is compared by key ranges too (a group flagged already is compared once):
  // many moved rows then cost a comparison of their groups, never a download of each row.
  const rowsPerGroup = Math.max(1, Math.ceil(ctx.totalRows / Math.max(1, groups)));
  for (const k of [...a.strays, ...b.strays, ...x, ...y]) {
    const g = floorDiv(k - min, width);
    if (flagged.has(Number(g))) continue;
    flagged.add(Number(g));
    const lo = min + g * width;
    differing.push({ range: { lo, hi: lo + width }, rows: rowsPerGroup, source: 1n, target: 1n });
  }
  await narrow(
    ctx,
    differing.sort((p, q) => (p.range.lo < q.range.lo ? -1 : 1)),
  );
}

/**
 * Reads one side by heap chunks, in parts sized like `scanSide`'s: the chunks, the sums of those not in `skip`,
 * the side's row count, and the stragglers of the chunks in `skip`.
 */
async function chunkSide(
  ctx: DiffContext,
  which: 'source' | 'target',
  min: bigint,
  width: bigint,
  groups: number,
  skip: ReadonlySet<number>,
): Promise<{ chunks: HeapChunk[]; sums: Map<number, Checksum>; rows: bigint; strays: bigint[] }> {
  const side = which === 'source' ? ctx.source : ctx.target;
  const query = which === 'source' ? ctx.plan.source : ctx.plan.target;
  const slots = which === 'source' ? ctx.sourceSlots : ctx.targetSlots;
  const starts = await slots.run(() => side.groupStarts!(query, min, width, groups));
  ctx.stats.queries++;
  const chunks = heapChunks(starts, min, width);
  const read = chunks.filter((c) => !skip.has(c.group));
  const skipped = await slots.run(() =>
    side.chunkStragglers!(
      query,
      chunks.filter((c) => skip.has(c.group)),
    ),
  );
  ctx.stats.queries++;
  // Sized on all chunks' rows (the sampled ones included): a chunk holds about as many either way.
  const sums = await sumHeapChunks(ctx, which, read, Math.max(1, ctx.totalRows / Math.max(1, chunks.length)));
  let total = skipped.rows;
  for (const c of sums.values()) total += c.count;
  return { chunks, sums, rows: total, strays: skipped.keys };
}

/** `floor(a / b)` for bigints (`/` truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b > a ? q - 1n : q;
}

/**
 * Reads one side in parts of its physical order and adds up the group checksums of every part. Groups already
 * summed by the sample (`skip`) are left out, and their sums (`sampled`) taken as they are.
 */
async function scanSide(
  ctx: DiffContext,
  which: 'source' | 'target',
  layout: ScanLayout,
  min: bigint,
  end: bigint,
  width: bigint,
  skip: readonly number[],
  sampled: ReadonlyMap<number, Checksum>,
): Promise<Map<number, Checksum>> {
  const side = which === 'source' ? ctx.source : ctx.target;
  const query = which === 'source' ? ctx.plan.source : ctx.plan.target;
  const slots = which === 'source' ? ctx.sourceSlots : ctx.targetSlots;
  const skipped = new Set(skip);
  const goal = (ctx.options.segmentSeconds ?? DEFAULTS.segmentSeconds) * 1000;
  const keysPerRow = Number(end - min) / Math.max(ctx.totalRows, 1);
  const sums = new Map<number, Checksum>(sampled);
  // The first part is sized on a cautious guess of the checksum rate (native row hashes are about twenty times
  // cheaper than MD5 of the canonical text), so a table that takes less than `segmentSeconds` to checksum is
  // read in one query per side: every extra part pays a fixed cost (plan, round trip, start-up) on both sides.
  const guess = ctx.plan.native ? NATIVE_ROWS_PER_SECOND : CANONICAL_ROWS_PER_SECOND;
  let step = clamp(Math.round((goal / 1000) * guess), DEFAULTS.firstSegmentRows, MAX_SEGMENT);
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
    const got = await slots.run(() => side.groupChecksums(query, part, min, width, ctx.plan.native, skip));
    ctx.stats.queries++;
    let rows = 0;
    for (const [g, c] of got) {
      if (skipped.has(g)) continue;
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
  const width = alignedWidth((keys + groups - 1n) / groups);
  const [a, b] = await ctx.both(
    () => ctx.source.groupChecksums(ctx.plan.source, range, range.lo, width, ctx.plan.native),
    () => ctx.target.groupChecksums(ctx.plan.target, range, range.lo, width, ctx.plan.native),
  );
  await narrow(ctx, differingGroups(a, b, range.lo, width));
}

/**
 * Resolves differing groups: a group holding more rows than the download threshold is compared again by finer
 * groups; a group missing on one side is downloaded (or only counted once the key list is full); the other
 * groups, when they hold more than `REFINE_ROWS` rows together, are first checksummed again by groups of a few
 * keys (one grouped index range query per side for up to `MAX_GROUPS` finer groups, both sides at once), so
 * only the few rows around each difference are downloaded, rendered and compared in tminus.
 */
async function narrow(ctx: DiffContext, differing: readonly Differing[]): Promise<void> {
  const whole: Differing[] = [];
  const mixed: Differing[] = [];
  for (const d of differing) {
    if (d.rows > ctx.threshold && d.range.hi - d.range.lo > 1n && !countable(ctx, d)) {
      await compareRange(ctx, d.range, d.rows);
    } else if (d.source === 0n || d.target === 0n) {
      whole.push(d); // every row of the group differs: nothing to narrow
    } else {
      mixed.push(d);
    }
  }
  await download(ctx, whole);
  const rows = mixed.reduce((n, d) => n + d.rows, 0);
  // Refined only when groups hold several times the finer group size: finer groups are never refined again.
  if (rows > REFINE_ROWS && rows > mixed.length * 4 * REFINED_GROUP_ROWS) {
    const width = finerWidth(mixed);
    const widest = mixed.reduce((w, d) => (d.range.hi - d.range.lo > w ? d.range.hi - d.range.lo : w), 0n);
    if (width < widest) {
      for (const part of batches(mixed, MAX_GROUPS * REFINED_GROUP_ROWS)) await refine(ctx, part, width);
      return;
    }
  }
  await download(ctx, mixed);
}

/** True when every row of the group is missing on one side and the key list of that kind is already full. */
function countable(ctx: DiffContext, d: Differing): boolean {
  if ((ctx.options.recheckAfterMs ?? 0) > 0) return false;
  const kind = d.target === 0n ? 'missingInTarget' : d.source === 0n ? 'missingInSource' : undefined;
  return kind !== undefined && ctx.collector.full(kind);
}

/**
 * Downloads differing groups and compares their rows, one query per side per download threshold of rows
 * (scattered groups cost one round trip, not one each). A group missing on one side once the key list of that
 * kind is full is counted, not downloaded.
 */
async function download(ctx: DiffContext, groups: readonly Differing[]): Promise<void> {
  let batch: Differing[] = [];
  let rows = 0;
  const flush = async () => {
    const within = batch.map((d) => d.range);
    batch = [];
    rows = 0;
    if (within.length === 0) return;
    await ctx.compareRows((side, which) =>
      side.rows(which === 'source' ? ctx.plan.source : ctx.plan.target, { lo: null, hi: null, within }),
    );
  };
  for (const d of groups) {
    if (countable(ctx, d)) {
      ctx.collector.countOnly(d.target === 0n ? 'missingInTarget' : 'missingInSource', d.rows);
      continue;
    }
    if (batch.length > 0 && rows + d.rows > ctx.threshold) await flush();
    batch.push(d);
    rows += d.rows;
  }
  await flush();
}

/** Consecutive groups cut into batches of at most `limit` rows (a larger group makes a batch of its own). */
function batches(groups: readonly Differing[], limit: number): Differing[][] {
  const out: Differing[][] = [];
  let batch: Differing[] = [];
  let rows = 0;
  for (const d of groups) {
    if (batch.length > 0 && rows + d.rows > limit) {
      out.push(batch);
      batch = [];
      rows = 0;
    }
    batch.push(d);
    rows += d.rows;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * The width of finer groups for a batch of differing groups of width `widest`: `widest` halved while the finer
 * groups still hold about `REFINED_GROUP_ROWS` rows. Halving keeps every finer group inside one differing group
 * (group widths are multiples of 64, see `alignedWidth`), so no row is downloaded or counted twice.
 */
function finerWidth(parts: readonly Differing[]): bigint {
  const widest = parts.reduce((w, d) => (d.range.hi - d.range.lo > w ? d.range.hi - d.range.lo : w), 0n);
  const rows = parts.reduce((n, d) => n + d.rows, 0);
  const keys = parts.reduce((n, d) => n + (d.range.hi - d.range.lo), 0n);
  const goal = BigInt(Math.max(1, Math.floor((REFINED_GROUP_ROWS * Number(keys)) / Math.max(1, rows))));
  let width = widest;
  while (width % 2n === 0n && width / 2n >= goal) width /= 2n;
  return width;
}

/** A group width rounded up to a multiple of 64 (above 64), so it can be halved six times exactly. */
function alignedWidth(width: bigint): bigint {
  return width > 64n ? ((width + 63n) / 64n) * 64n : width;
}

/** Checksums a batch of differing groups again by finer groups of `width` keys, then narrows those that differ. */
async function refine(ctx: DiffContext, parts: readonly Differing[], width: bigint): Promise<void> {
  const origin = parts[0]!.range.lo;
  const range: KeyRange = { lo: null, hi: null, within: parts.map((d) => d.range) };
  const [a, b] = await ctx.both(
    () => ctx.source.groupChecksums(ctx.plan.source, range, origin, width, ctx.plan.native),
    () => ctx.target.groupChecksums(ctx.plan.target, range, origin, width, ctx.plan.native),
  );
  await narrow(ctx, differingGroups(a, b, origin, width));
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
