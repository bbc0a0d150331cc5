import type { Clock } from '../core/clock.js';
import type { CompareOptions } from './compare-options.js';
import { DEFAULTS } from './compare-options.js';
import type { CanonicalRow, Dialect } from './dialect.js';
import { DiffCollector } from './diff-collector.js';
import type { TablePlan } from './plan-table.js';
import type { RowDifferences } from './row-merge.js';
import { differenceKeys, intersectDifferences, mergeRows } from './row-merge.js';
import { Semaphore } from './semaphore.js';

/** Progress of one table, for progress bars and logs. */
export interface TableProgress {
  readonly table: string;
  readonly rowsChecked: number;
  readonly totalRows: number;
  readonly segments: number;
  readonly differences: number;
}

/** Everything the segment and bucket walkers share while comparing one table. */
export class DiffContext {
  readonly collector: DiffCollector;
  readonly sourceSlots: Semaphore;
  readonly targetSlots: Semaphore;
  /** Boundary look-ups on the source run on their own session, ahead of the checksums. */
  readonly boundarySlots = new Semaphore(1);
  readonly stats = { segments: 0, queries: 0, rowsDownloaded: 0, rechecked: 0 };
  rowsChecked = 0;
  /** Exact row counts per side, summed from the checksums of the ranges or buckets that cover the table. */
  readonly rows = { source: 0n, target: 0n };

  constructor(
    readonly source: Dialect,
    readonly target: Dialect,
    readonly plan: TablePlan,
    readonly options: CompareOptions,
    readonly clock: Clock,
    readonly signal: AbortSignal | undefined,
    readonly totalRows: number,
    private readonly onProgress: ((p: TableProgress) => void) | undefined,
  ) {
    this.collector = new DiffCollector(plan, options.maxDiffs ?? DEFAULTS.maxDiffs);
    const connections = options.connections ?? DEFAULTS.connections;
    this.sourceSlots = new Semaphore(connections);
    this.targetSlots = new Semaphore(connections);
  }

  get threshold(): number {
    return this.options.downloadThreshold ?? DEFAULTS.downloadThreshold;
  }

  /** Runs one query on each side at once, each within its side's connection limit. */
  async both<T>(onSource: () => Promise<T>, onTarget: () => Promise<T>): Promise<[T, T]> {
    this.checkAborted();
    this.stats.queries += 2;
    return Promise.all([this.sourceSlots.run(onSource), this.targetSlots.run(onTarget)]);
  }

  /**
   * Downloads rows with `fetch` on both sides, merges them and — on a live source — fetches again after the
   * lag interval, reporting only differences seen both times.
   */
  async compareRows(
    fetch: (side: Dialect, which: 'source' | 'target') => Promise<CanonicalRow[]>,
  ): Promise<{ source: number; target: number }> {
    const rows = { source: 0, target: 0 };
    const once = async (): Promise<RowDifferences> => {
      const [a, b] = await this.both(
        () => fetch(this.source, 'source'),
        () => fetch(this.target, 'target'),
      );
      this.stats.rowsDownloaded += a.length + b.length;
      rows.source = a.length;
      rows.target = b.length;
      return mergeRows(a, b);
    };
    let diff = await once();
    const lag = this.options.recheckAfterMs ?? 0;
    const count = diff.missingInSource.length + diff.missingInTarget.length + diff.changed.length;
    if (lag > 0 && count > 0) {
      await this.clock.sleep(lag, this.signal);
      this.stats.rechecked++;
      diff = intersectDifferences(diff, differenceKeys(await once()));
    }
    this.collector.add(diff);
    return rows;
  }

  /** False when every row is downloaded and compared in tminus instead of comparing checksums. */
  get checksums(): boolean {
    return this.options.checksums !== false;
  }

  /** Adds the counts of a range or bucket set that is part of the table's cover. */
  tally(source: bigint, target: bigint): void {
    this.rows.source += source;
    this.rows.target += target;
  }

  progress(rows: number, segments = 1): void {
    this.rowsChecked += rows;
    this.stats.segments += segments;
    this.onProgress?.({
      table: this.plan.table,
      rowsChecked: this.rowsChecked,
      // The total is the planner's estimate: never let the bar run past it.
      totalRows: Math.max(this.totalRows, this.rowsChecked),
      segments: this.stats.segments,
      differences: this.collector.total,
    });
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw this.signal.reason ?? new Error('aborted');
  }
}
