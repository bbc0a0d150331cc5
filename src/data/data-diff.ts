import type { Clock } from '../core/clock.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import { diffBuckets } from './bucket-diff.js';
import type { CompareOptions } from './compare-options.js';
import type { Dialect } from './dialect.js';
import type { TableProgress } from './diff-context.js';
import { DiffContext } from './diff-context.js';
import type { DiffReport, TableResult } from './diff-result.js';
import type { TablePlan } from './plan-table.js';
import { planTable } from './plan-table.js';
import { diffSegments } from './segment-diff.js';

/** What to compare between two open databases. */
export interface DataDiffRequest {
  readonly source: Dialect;
  readonly target: Dialect;
  /** Tables to compare; with `all`, every table of the source (and target-only tables are reported). */
  readonly tables?: readonly string[] | undefined;
  readonly all?: boolean | undefined;
  readonly options?: CompareOptions | undefined;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((p: TableProgress) => void) | undefined;
  /** Called when a table starts, with its row count (for progress bars). */
  readonly onTable?: ((table: string, rows: number) => void) | undefined;
}

/**
 * Compares tables between two databases: schema first, then row counts, then checksums computed inside each
 * database by segment or key-hash bucket, narrowing down to the differing rows. Memory stays bounded by the
 * download threshold and the cap on listed keys, whatever the table size.
 */
export async function dataDiff(req: DataDiffRequest): Promise<DiffReport> {
  const started = req.clock.now();
  const names = await tableNames(req);
  const tables: TableResult[] = [];
  for (const name of names) {
    req.signal?.throwIfAborted();
    tables.push(await diffTable(req, name));
  }
  return {
    source: { label: req.source.label, engine: req.source.engine, version: req.source.version },
    target: { label: req.target.label, engine: req.target.engine, version: req.target.version },
    startedAt: new Date(started).toISOString(),
    durationMs: req.clock.now() - started,
    tables,
  };
}

async function tableNames(req: DataDiffRequest): Promise<string[]> {
  if (req.tables?.length) return [...req.tables];
  if (!req.all) {
    throw new TminusError('USAGE', 'name the tables to compare, or ask for all of them', {
      hint: '--table orders --table customers, or --all',
    });
  }
  const [a, b] = await Promise.all([req.source.listTables(), req.target.listTables()]);
  const lower = new Set(a.map((t) => t.toLowerCase()));
  return [...a, ...b.filter((t) => !lower.has(t.toLowerCase()))];
}

async function diffTable(req: DataDiffRequest, name: string): Promise<TableResult> {
  const started = req.clock.now();
  const options = req.options ?? {};
  let plan: TablePlan | undefined;
  let counts: [bigint, bigint] | undefined;
  try {
    const [src, dst] = await Promise.all([req.source.describeTable(name), req.target.describeTable(name)]);
    if (!src || !dst) {
      const where =
        !src && !dst
          ? 'either side'
          : !src
            ? `the source (${req.source.label})`
            : `the target (${req.target.label})`;
      throw new TminusError('DATA_TABLE_NOT_FOUND', `table ${name} not found on ${where}`);
    }
    plan = planTable(src, dst, options, {
      source: req.source.engine,
      target: req.target.engine,
      targetFlavor:
        req.target.engine === 'mysql'
          ? /mariadb/i.test(req.target.version)
            ? 'mariadb'
            : 'mysql'
          : undefined,
    });
    // Native row hashes are only comparable within one PostgreSQL major version.
    if (plan.native && majorVersion(req.source.version) !== majorVersion(req.target.version)) {
      plan = { ...plan, native: false };
    }
    if (plan.native && req.source.nativeUnhashable) {
      plan = withNativeFallback(plan, await req.source.nativeUnhashable(plan.source));
    }
    const p = plan;
    // The exact counts come out of the checksum pass itself (every range or bucket reports its count), so no
    // separate count(*) scan is spent; the planner's estimate sizes buckets and the progress bar. Without one
    // (a table never analysed), the sides are counted.
    const estimates = await Promise.all([
      req.source.estimateRows(p.source),
      req.target.estimateRows(p.target),
    ]);
    let total = Math.max(...estimates);
    if (total === 0) {
      const exact = await Promise.all([req.source.count(p.source), req.target.count(p.target)]);
      total = Number(exact[0] > exact[1] ? exact[0] : exact[1]);
    }
    req.onTable?.(name, total);
    const ctx = new DiffContext(
      req.source,
      req.target,
      p,
      options,
      req.clock,
      req.signal,
      total,
      req.onProgress,
    );
    if (p.mode === 'segments') await diffSegments(ctx);
    else await diffBuckets(ctx, total);
    ctx.collector.finish();
    const c = ctx.collector;
    counts = [ctx.rows.source, ctx.rows.target];
    // A live source moved on during the comparison: report the counts as they are after the re-checks.
    if ((options.recheckAfterMs ?? 0) > 0) {
      counts = await Promise.all([req.source.count(p.source), req.target.count(p.target)]);
    }
    return {
      table: name,
      sourceRows: Number(counts[0]),
      targetRows: Number(counts[1]),
      status: c.total === 0 ? 'identical' : 'different',
      mode: p.mode,
      missingInTarget: c.missingInTarget,
      missingInSource: c.missingInSource,
      changed: c.changed,
      counts: { ...c.counts },
      truncated: c.truncated,
      notes: p.notes,
      stats: { durationMs: req.clock.now() - started, ...ctx.stats, nativeHash: p.native },
    };
  } catch (thrown) {
    if (req.signal?.aborted) throw thrown;
    const error = coerceError(thrown);
    return {
      table: name,
      sourceRows: counts ? Number(counts[0]) : null,
      targetRows: counts ? Number(counts[1]) : null,
      status: 'error',
      mode: plan?.mode ?? 'none',
      missingInTarget: [],
      missingInSource: [],
      changed: [],
      counts: { missingInTarget: 0, missingInSource: 0, changed: 0 },
      truncated: false,
      notes: plan?.notes ?? [],
      error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
      stats: {
        durationMs: req.clock.now() - started,
        segments: 0,
        queries: 0,
        rowsDownloaded: 0,
        rechecked: 0,
        nativeHash: false,
      },
    };
  }
}

const majorVersion = (version: string) => /^\d+/.exec(version)?.[0];

/** Columns without a native hash are hashed through their canonical rendering, and the report says so. */
function withNativeFallback(plan: TablePlan, columns: readonly string[]): TablePlan {
  if (columns.length === 0) return plan;
  const mark = (q: TablePlan['source']) => ({
    ...q,
    specs: q.specs.map((s) => (columns.includes(s.column) ? { ...s, nativeFallback: true } : s)),
  });
  const notes = plan.source.specs
    .filter((s) => columns.includes(s.column))
    .map((s) => ({
      level: 'info' as const,
      column: s.column,
      message: `${s.column}: no native hash for type ${s.source.nativeType}: its canonical rendering${s.as.kind === 'json' ? ' (jsonb)' : ''} is hashed instead`,
    }));
  return { ...plan, source: mark(plan.source), target: mark(plan.target), notes: [...plan.notes, ...notes] };
}
