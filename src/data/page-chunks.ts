import { DEFAULTS } from './compare-options.js';
import type { Checksum, Dialect, KeyedChecksum, TableQuery } from './dialect.js';
import type { DiffContext } from './diff-context.js';
import type { HeapChunk } from './heap-chunks.js';

/**
 * Page chunks: two PostgreSQL heaps laid out alike (a copy loaded in key order with the same table definition)
 * compared by fixed page ranges, with no index look-up, once the sample or the whole-table sums differ. Chunk `i` of each side is the heap range
 * `[(i·P,0), ((i+1)·P,0))`, the last one open-ended; each is summed (`count + sum` of the native row hash) in one
 * sequential pass per side. Correct for any chunking: two chunks with equal sums hold equal multisets of rows, so
 * the rows of the chunks that differ, `S'` and `T'`, have the same symmetric difference as the whole tables;
 * their keys and hashes, compared here, give exactly the differing keys (a row moved by an update on one side
 * only lies in a differing chunk on that side and cancels out against its copy). Fast only when the heaps are
 * alike: `alignedPages` probes that first, and a pass finding too many differing rows gives up.
 */

/** Pages probed on each side for their lowest key, spread over the heap. */
const PROBES = 64;
/** Share of the probed pages whose lowest key must be the same on both sides. */
const PROBES_ALIKE = 0.9;
/** Largest difference between the two heaps' page counts, as a share of the larger. */
const PAGES_ALIKE = 0.03;
/** Chunks per √rows: about 330 rows per chunk at 1M rows, ~580 at 3M. */
const CHUNKS_PER_SQRT_ROW = 3;
/**
 * Differing `key:hash` pairs held at most (about 100 bytes each; a changed row is two): a tenth of the rows, at
 * most 100,000. Each chunk's two sides cancel as they come, so this holds only the differences and the rows
 * moved between chunks; more, and the key groups compare the tables instead (so many differences cost them a
 * grouped pass and their narrowing anyway). The differing chunks' rows are read however many they are: at 3,000
 * scattered differences in 1M rows (60 % of the chunks) the page pass costs 2.8× the bound's CPU, the key groups
 * 3.7× (docs/benchmarks.md).
 */
const LEFT_SHARE = 0.1;
const MAX_LEFT = 100_000;
/** Share of the chunks differing up to which they are summed again page by page before their rows are read. */
const FINE_SHARE = 0.25;
/** Rows of differing chunks per download statement. */
const ROWS_PER_DOWNLOAD = 10_000;
const MIN_PART = 1_000;
const MAX_PART = 5_000_000;
const NATIVE_ROWS_PER_SECOND = 400_000;

export interface PageDifference {
  readonly key: bigint;
  /** Whether the key is among the differing rows of each side. */
  readonly source: boolean;
  readonly target: boolean;
}

/** Whether both sides can be read by page chunks (PostgreSQL native hashes; see `segment-diff.ts`). */
export function pageChunkable(ctx: DiffContext): boolean {
  return [ctx.source, ctx.target].every(
    (d) =>
      !!d.heapPages &&
      !!d.pageFirstKeys &&
      !!d.heapChunkChecksums &&
      !!d.keyedChunkChecksums &&
      !!d.keyRangesChecksum &&
      !!d.chunkRowHashes,
  );
}

/**
 * The heaps' page count (the smaller of `a` and `b`, see `heapPages`) when both are laid out alike — page counts
 * within `PAGES_ALIKE` and the lowest key the same on at least `PROBES_ALIKE` of `PROBES` pages spread over
 * them — else null.
 */
export async function alignedPages(
  ctx: DiffContext,
  [a, b]: readonly [number, number],
): Promise<number | null> {
  const n = Math.min(a, b);
  if (n === 0 || Math.abs(a - b) > PAGES_ALIKE * Math.max(a, b)) return null;
  const probes = [
    ...new Set(
      Array.from({ length: Math.min(PROBES, n) }, (_, j) =>
        Math.floor(((j + 0.5) * n) / Math.min(PROBES, n)),
      ),
    ),
  ];
  const [x, y] = await ctx.both(
    () => ctx.source.pageFirstKeys!(ctx.plan.source, probes),
    () => ctx.target.pageFirstKeys!(ctx.plan.target, probes),
  );
  const alike = probes.filter((_, i) => x[i] === y[i]).length;
  return alike >= PROBES_ALIKE * probes.length ? n : null;
}

/**
 * The single pages of `chunks` (page chunks), each a chunk of its own numbered in order; the last page of an
 * open-ended chunk stays open-ended (pages past `pages`, the heap's size when the comparison began, are in it).
 */
export function pagesOf(chunks: readonly HeapChunk[], pages: number): HeapChunk[] {
  const out: HeapChunk[] = [];
  for (const c of chunks) {
    const end = c.to ? c.to[0] : Math.max(c.from[0] + 1, pages);
    for (let p = c.from[0]; p < end; p++) {
      const open = !c.to && p === end - 1;
      out.push({ group: out.length, lo: 0n, hi: 0n, from: [p, 0], to: open ? null : [p + 1, 0] });
    }
  }
  return out;
}

/** Chunks of `per` pages over a heap of `pages` pages, the last one open-ended (it takes any page past them). */
export function pageChunks(pages: number, per: number): HeapChunk[] {
  const count = Math.max(1, Math.ceil(pages / per));
  return Array.from({ length: count }, (_, i) => ({
    group: i,
    lo: 0n,
    hi: 0n,
    from: [i * per, 0] as const,
    to: i + 1 < count ? ([(i + 1) * per, 0] as const) : null,
  }));
}

/** The page chunks of a comparison over `pages` pages: `3·√rows` of them. */
export function comparisonChunks(ctx: DiffContext, pages: number): HeapChunk[] {
  const rows = Math.max(1, ctx.totalRows);
  return pageChunks(pages, Math.max(1, Math.round(pages / (CHUNKS_PER_SQRT_ROW * Math.sqrt(rows)))));
}

/** Chunk sums of both sides, by chunk (group). */
export type ChunkSums = readonly [ReadonlyMap<number, Checksum>, ReadonlyMap<number, Checksum>];

/** The chunks among `chunks` whose sums differ between the two sides. */
export function differingChunks(chunks: readonly HeapChunk[], [a, b]: ChunkSums): HeapChunk[] {
  return chunks.filter((c) => !same(a.get(c.group), b.get(c.group)));
}

/**
 * Whether the sampled chunks that differ (`differing`, with both sides' `sums` and key bounds) differ only by
 * rows moved by updates: the rows whose keys lie between the lowest and the highest key of each of those chunks
 * on the source, read by key on both sides, come out the same. Such a target (updated in place after a copy, as
 * replication does) is left to the whole-table sums, which are blind to where rows lie; a real difference seen
 * here sends the comparison on to the page pass. Only a cost decision: the result comes from an exact pass
 * either way (a difference this misses, e.g. a row inserted on the target only, makes the whole-table sums
 * differ).
 */
export async function onlyMoved(
  ctx: DiffContext,
  differing: readonly HeapChunk[],
  sums: readonly [Map<number, KeyedChecksum>, Map<number, KeyedChecksum>],
): Promise<boolean> {
  const ranges: { lo: bigint; hi: bigint }[] = [];
  for (const c of differing) {
    const x = sums[0].get(c.group);
    if (x?.lo === undefined || x.hi === undefined) return false; // empty on the source: not a move
    ranges.push({ lo: x.lo, hi: x.hi });
  }
  ranges.sort((p, q) => (p.lo < q.lo ? -1 : p.lo > q.lo ? 1 : 0));
  const merged: { lo: bigint; hi: bigint }[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.lo <= last.hi) last.hi = r.hi > last.hi ? r.hi : last.hi;
    else merged.push({ ...r });
  }
  const [x, y] = await ctx.both(
    () => ctx.source.keyRangesChecksum!(ctx.plan.source, merged),
    () => ctx.target.keyRangesChecksum!(ctx.plan.target, merged),
  );
  return same(x, y);
}

/**
 * What is left of two sides' `key:hash` pairs once those on both cancel out: +1 a source pair, −1 a target one.
 * Each chunk's two sides are matched first (most of their rows are the same), so only the rest is held.
 */
class PairsLeft {
  readonly #left = new Map<string, number>();

  get size(): number {
    return this.#left.size;
  }

  pairs(): IterableIterator<[string, number]> {
    return this.#left.entries();
  }

  #add(p: string, by: number): void {
    const n = (this.#left.get(p) ?? 0) + by;
    if (n === 0) this.#left.delete(p);
    else this.#left.set(p, n);
  }

  /** Matches one chunk's pairs (comma-joined texts) of the source (`x`) and the target (`y`). */
  match(x: string | undefined, y: string | undefined): void {
    const here = new Map<string, number>();
    for (const p of x ? x.split(',') : []) here.set(p, (here.get(p) ?? 0) + 1);
    for (const p of y ? y.split(',') : []) {
      const n = here.get(p) ?? 0;
      if (n === 0) this.#add(p, -1);
      else if (n === 1) here.delete(p);
      else here.set(p, n - 1);
    }
    for (const [p, n] of here) for (let i = 0; i < n; i++) this.#add(p, 1);
  }
}

/**
 * Compares the two sides by page chunks over `pages` pages: the differing keys, in key order, or null when more
 * than a tenth of the rows differ (the caller then compares by key groups). Counts the rows of each side
 * (`ctx.tally`) only when it returns the differences. `summed`: the chunks summed already (a sample) and their
 * sums, not read again.
 */
export async function pageChunkPass(
  ctx: DiffContext,
  pages: number,
  summed?: { readonly chunks: readonly HeapChunk[]; readonly sums: ChunkSums },
): Promise<PageDifference[] | null> {
  const rows = Math.max(1, ctx.totalRows);
  const chunks = comparisonChunks(ctx, pages);
  const done = new Set(summed?.chunks.map((c) => c.group));
  const rest = chunks.filter((c) => !done.has(c.group));
  const perChunk = Math.max(1, rows / chunks.length);
  const [a, b] = await Promise.all([
    sumHeapChunks(ctx, 'source', rest, perChunk),
    sumHeapChunks(ctx, 'target', rest, perChunk),
  ]);
  for (const c of summed?.chunks ?? []) {
    for (const [m, from] of [
      [a, summed!.sums[0]],
      [b, summed!.sums[1]],
    ] as const) {
      const got = from.get(c.group);
      if (got) m.set(c.group, got);
    }
  }
  const ta = totalOf(a);
  const tb = totalOf(b);
  // Equal totals: the whole tables' count and sum are equal, identical (as the whole-table check says).
  if (ta.count === tb.count && ta.sum === tb.sum) {
    ctx.tally(ta.count, tb.count);
    return [];
  }
  let differing = differingChunks(chunks, [a, b]);
  let perPiece = rows / chunks.length;
  // Few chunks differing (about one difference each): summed again page by page, so only the differing pages'
  // rows are read as pairs — a page's sum costs a third of its pairs read and compared (docs/benchmarks.md).
  const pagesPer = chunks[0]?.to ? chunks[0].to[0] - chunks[0].from[0] : 1;
  if (pagesPer > 1 && differing.length <= FINE_SHARE * chunks.length) {
    const fine = pagesOf(differing, pages);
    const per = Math.max(1, perPiece / pagesPer);
    const sums = await Promise.all([
      sumHeapChunks(ctx, 'source', fine, per, false),
      sumHeapChunks(ctx, 'target', fine, per, false),
    ] as const);
    differing = differingChunks(fine, sums);
    perPiece = per;
  }
  const most = Math.min(MAX_LEFT, Math.max(1_000, Math.round(LEFT_SHARE * rows)));
  const left = new PairsLeft();
  const perBatch = Math.max(1, Math.floor(ROWS_PER_DOWNLOAD / Math.max(1, perPiece)));
  const fetch = (i: number) => {
    const part = differing.slice(i, i + perBatch);
    return ctx.both(
      () => ctx.source.chunkRowHashes!(ctx.plan.source, part),
      () => ctx.target.chunkRowHashes!(ctx.plan.target, part),
    );
  };
  // The next batch is read while this one is compared (two batches in memory at most).
  let next: Promise<[Map<number, string>, Map<number, string>]> | undefined = fetch(0);
  for (let i = 0; next; i += perBatch) {
    const [x, y] = await next;
    next = i + perBatch < differing.length ? fetch(i + perBatch) : undefined;
    for (const c of differing.slice(i, i + perBatch)) left.match(x.get(c.group), y.get(c.group));
    if (left.size > most) {
      await next?.catch(() => undefined);
      return null;
    }
  }
  const keys = new Map<bigint, { source: boolean; target: boolean }>();
  for (const [p, n] of left.pairs()) {
    const key = BigInt(p.slice(0, p.indexOf(':')));
    const k = keys.get(key) ?? { source: false, target: false };
    keys.set(key, n > 0 ? { ...k, source: true } : { ...k, target: true });
  }
  ctx.tally(ta.count, tb.count);
  return [...keys.entries()]
    .sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))
    .map(([key, k]) => ({ key, ...k }));
}

/**
 * One side's heap chunk sums, in parts sized so one statement takes about `segmentSeconds` (`rowsPerChunk`: the
 * rows a chunk holds on average, to size the first part). Shared by the page chunks and the key-group chunks
 * (`segment-diff.ts`).
 */
export async function sumHeapChunks(
  ctx: DiffContext,
  which: 'source' | 'target',
  chunks: readonly HeapChunk[],
  rowsPerChunk = Math.max(1, ctx.totalRows / Math.max(1, chunks.length)),
  progress = true,
): Promise<Map<number, Checksum>> {
  const side: Dialect = which === 'source' ? ctx.source : ctx.target;
  const query: TableQuery = which === 'source' ? ctx.plan.source : ctx.plan.target;
  const slots = which === 'source' ? ctx.sourceSlots : ctx.targetSlots;
  const goal = (ctx.options.segmentSeconds ?? DEFAULTS.segmentSeconds) * 1000;
  let step = clamp(Math.round((goal / 1000) * NATIVE_ROWS_PER_SECOND), DEFAULTS.firstSegmentRows, MAX_PART);
  let rate = 0; // rows per ms, exponentially averaged
  const sums = new Map<number, Checksum>();
  for (let i = 0; i < chunks.length;) {
    ctx.checkAborted();
    const part = chunks.slice(i, i + Math.max(1, Math.round(step / rowsPerChunk)));
    i += part.length;
    const started = ctx.clock.now();
    const got = await slots.run(() => side.heapChunkChecksums!(query, part));
    ctx.stats.queries++;
    let rows = 0;
    for (const [g, c] of got) {
      rows += Number(c.count);
      sums.set(g, c);
    }
    if (which === 'source' && progress) ctx.progress(rows);
    if (rows >= MIN_PART) {
      const r = rows / Math.max(1, ctx.clock.now() - started);
      rate = rate === 0 ? r : 0.7 * rate + 0.3 * r;
      step = clamp(Math.round(rate * goal), MIN_PART, MAX_PART);
    }
  }
  return sums;
}

function totalOf(m: Map<number, Checksum>): Checksum {
  let count = 0n;
  let sum = 0n;
  for (const c of m.values()) {
    count += c.count;
    sum += c.sum;
  }
  return { count, sum };
}

function same(x: Checksum | undefined, y: Checksum | undefined): boolean {
  return (x?.count ?? 0n) === (y?.count ?? 0n) && (x?.sum ?? 0n) === (y?.sum ?? 0n);
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
