import type { Bucket, Checksum } from './dialect.js';
import type { DiffContext } from './diff-context.js';

/** Rows per bucket aimed at when choosing how many key-hash buckets to use. */
const ROWS_PER_BUCKET = 128;
const MAX_BITS = 20;
/** A differing bucket holding more rows than this many download thresholds is split into 16 finer buckets. */
const REFINE_FACTOR = 4;

/**
 * Compares a table whose key is not a single integer (text, UUID, compound keys, or keys whose ordering differs
 * between engines) by buckets of the key's hash: no ordering, no collation and no gap can cause a false
 * difference. An updated row stays in its bucket because the bucket depends on the key only.
 */
export async function diffBuckets(ctx: DiffContext, rows: number): Promise<void> {
  if (!ctx.checksums) return downloadBuckets(ctx, rows);
  const bits = Math.min(MAX_BITS, Math.max(0, Math.ceil(Math.log2(Math.max(1, rows) / ROWS_PER_BUCKET))));
  await compareLevel(ctx, bits, undefined);
}

async function compareLevel(ctx: DiffContext, bits: number, parent: Bucket | undefined): Promise<void> {
  const [a, b] = await ctx.both(
    () => ctx.source.bucketChecksums(ctx.plan.source, bits, parent),
    () => ctx.target.bucketChecksums(ctx.plan.target, bits, parent),
  );
  const differing: { bucket: number; rows: number }[] = [];
  let equalRows = 0;
  for (const bucket of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(bucket);
    const y = b.get(bucket);
    if (x && y && same(x, y)) {
      equalRows += Number(x.count);
      continue;
    }
    differing.push({ bucket, rows: Math.max(Number(x?.count ?? 0n), Number(y?.count ?? 0n)) });
  }
  if (!parent) {
    let source = 0n;
    let target = 0n;
    for (const c of a.values()) source += c.count;
    for (const c of b.values()) target += c.count;
    ctx.tally(source, target);
  }
  ctx.progress(equalRows, parent ? 0 : 1);
  const big = differing.filter((d) => d.rows > ctx.threshold * REFINE_FACTOR && bits + 4 <= 32);
  const small = differing.filter((d) => !big.includes(d));
  // Downloads are batched so one scan per side serves many buckets, with a bounded number of rows in memory.
  const batchRows = ctx.threshold * REFINE_FACTOR;
  let batch: number[] = [];
  let batchSize = 0;
  const flush = async () => {
    if (!batch.length) return;
    const buckets = batch;
    const size = batchSize;
    batch = [];
    batchSize = 0;
    await ctx.compareRows((side, which) =>
      side.bucketRows(which === 'source' ? ctx.plan.source : ctx.plan.target, bits, buckets),
    );
    ctx.progress(size, 0);
  };
  for (const d of small) {
    if (batchSize + d.rows > batchRows) await flush();
    batch.push(d.bucket);
    batchSize += d.rows;
  }
  await flush();
  for (const d of big) await compareLevel(ctx, bits + 4, { bits, value: d.bucket });
}

/**
 * The download path: every row is downloaded, bucket by bucket (each about one download threshold of rows),
 * and compared in tminus.
 */
async function downloadBuckets(ctx: DiffContext, rows: number): Promise<void> {
  const bits = Math.min(MAX_BITS, Math.max(0, Math.ceil(Math.log2(Math.max(1, rows) / ctx.threshold))));
  for (let bucket = 0; bucket < 2 ** bits; bucket++) {
    const n = await ctx.compareRows((side, which) =>
      side.bucketRows(which === 'source' ? ctx.plan.source : ctx.plan.target, bits, [bucket]),
    );
    ctx.tally(BigInt(n.source), BigInt(n.target));
    ctx.progress(n.source);
  }
}

function same(x: Checksum, y: Checksum): boolean {
  return x.count === y.count && x.sum === y.sum;
}
