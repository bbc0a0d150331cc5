import type { SchemaNote } from './plan-table.js';

/** A key as reported: the value of a single-column key, or an object of the key columns. */
export type KeyValue = string | number | Readonly<Record<string, string | number | null>>;

/** A row present on both sides whose compared columns differ. */
export interface ChangedRow {
  readonly key: KeyValue;
  readonly columns: readonly string[];
  /** Canonical values of the differing columns on each side (null for NULL). */
  readonly source: Readonly<Record<string, string | null>>;
  readonly target: Readonly<Record<string, string | null>>;
}

export type TableStatus = 'identical' | 'different' | 'error';

/** The outcome of comparing one table. Key lists are capped; `counts` always holds the full numbers. */
export interface TableResult {
  readonly table: string;
  readonly sourceRows: number | null;
  readonly targetRows: number | null;
  readonly status: TableStatus;
  readonly mode: 'segments' | 'buckets' | 'none';
  readonly missingInTarget: readonly KeyValue[];
  readonly missingInSource: readonly KeyValue[];
  readonly changed: readonly ChangedRow[];
  readonly counts: {
    readonly missingInTarget: number;
    readonly missingInSource: number;
    readonly changed: number;
  };
  /** True when some differing keys were counted but not listed. */
  readonly truncated: boolean;
  readonly notes: readonly SchemaNote[];
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
  readonly stats: {
    readonly durationMs: number;
    readonly segments: number;
    readonly queries: number;
    readonly rowsDownloaded: number;
    readonly rechecked: number;
    readonly nativeHash: boolean;
  };
}

/** The outcome of a whole comparison. */
export interface DiffReport {
  readonly source: { readonly label: string; readonly engine: string; readonly version: string };
  readonly target: { readonly label: string; readonly engine: string; readonly version: string };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly tables: readonly TableResult[];
}

/** True when every table is identical. */
export function reportIdentical(report: DiffReport): boolean {
  return report.tables.every((t) => t.status === 'identical');
}
