import type { CanonicalRow } from './dialect.js';
import type { ChangedRow, KeyValue } from './diff-result.js';
import type { TablePlan } from './plan-table.js';
import type { RowDifferences } from './row-merge.js';

/**
 * Accumulates the differences of one table with a cap on listed keys, so memory stays flat however many rows
 * differ; the full counts are always kept.
 */
export class DiffCollector {
  readonly missingInTarget: KeyValue[] = [];
  readonly missingInSource: KeyValue[] = [];
  readonly changed: ChangedRow[] = [];
  readonly counts = { missingInTarget: 0, missingInSource: 0, changed: 0 };

  constructor(
    private readonly plan: TablePlan,
    private readonly cap: number,
  ) {}

  get total(): number {
    return this.counts.missingInTarget + this.counts.missingInSource + this.counts.changed;
  }

  get truncated(): boolean {
    return this.total > this.missingInTarget.length + this.missingInSource.length + this.changed.length;
  }

  /** True when no more keys of this kind will be listed. */
  full(kind: 'missingInTarget' | 'missingInSource'): boolean {
    return this.counts[kind] >= this.cap;
  }

  /** Counts missing rows whose keys would not be listed anyway. */
  countOnly(kind: 'missingInTarget' | 'missingInSource', rows: number): void {
    this.counts[kind] += rows;
  }

  add(d: RowDifferences): void {
    for (const r of d.missingInTarget) {
      if (this.counts.missingInTarget++ < this.cap) this.missingInTarget.push(this.keyValue(r));
    }
    for (const r of d.missingInSource) {
      if (this.counts.missingInSource++ < this.cap) this.missingInSource.push(this.keyValue(r));
    }
    const names = this.plan.source.specs.map((s) => s.column);
    for (const c of d.changed) {
      if (this.counts.changed++ >= this.cap) continue;
      const columns = c.columns.map((i) => names[i] ?? String(i));
      const source: Record<string, string | null> = {};
      const target: Record<string, string | null> = {};
      for (const i of c.columns) {
        const name = names[i] ?? String(i);
        source[name] = c.source.values[i] ?? null;
        target[name] = c.target.values[i] ?? null;
      }
      this.changed.push({ key: this.keyValue(c.source), columns, source, target });
    }
  }

  /** Sorts the listed keys so reports are stable whatever order segments finished in. */
  finish(): void {
    const cmp = (a: KeyValue, b: KeyValue) => compareKeys(a, b);
    this.missingInTarget.sort(cmp);
    this.missingInSource.sort(cmp);
    this.changed.sort((a, b) => cmp(a.key, b.key));
  }

  private keyValue(row: CanonicalRow): KeyValue {
    if (row.key.length === 1) {
      const v = row.key[0] ?? '';
      if (this.plan.keyKind === 'int') {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      }
      return v;
    }
    const out: Record<string, string | number | null> = {};
    this.plan.source.key.forEach((k, i) => {
      const v = row.key[i] ?? null;
      const isInt = this.plan.source.specs.find((s) => s.column === k)?.as.kind === 'int';
      out[k] = isInt && v !== null && Number.isSafeInteger(Number(v)) ? Number(v) : v;
    });
    return out;
  }
}

function compareKeys(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const sb = typeof b === 'object' ? JSON.stringify(b) : String(b);
  if (typeof a !== 'object' && typeof b !== 'object' && /^-?\d+$/.test(sa) && /^-?\d+$/.test(sb)) {
    const d = BigInt(sa) - BigInt(sb);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
