import type { CanonicalRow } from './dialect.js';

/** Rows of one range or bucket set that differ between the sides. */
export interface RowDifferences {
  readonly missingInTarget: CanonicalRow[];
  readonly missingInSource: CanonicalRow[];
  /** Pairs present on both sides with at least one differing value; `columns` are spec indexes. */
  readonly changed: { source: CanonicalRow; target: CanonicalRow; columns: number[] }[];
}

const keyOf = (row: CanonicalRow) => row.key.join('\u0000');

/**
 * Matches rows by key and compares their canonical values. Duplicate keys (a target without a primary key) are
 * matched one to one; the surplus is reported as missing on the other side.
 */
export function mergeRows(source: readonly CanonicalRow[], target: readonly CanonicalRow[]): RowDifferences {
  const byKey = new Map<string, CanonicalRow[]>();
  for (const row of target) {
    const k = keyOf(row);
    const list = byKey.get(k);
    if (list) list.push(row);
    else byKey.set(k, [row]);
  }
  const out: RowDifferences = { missingInTarget: [], missingInSource: [], changed: [] };
  for (const row of source) {
    const k = keyOf(row);
    const list = byKey.get(k);
    const other = list?.shift();
    if (list && list.length === 0) byKey.delete(k);
    if (!other) {
      out.missingInTarget.push(row);
      continue;
    }
    const columns: number[] = [];
    for (let i = 0; i < row.values.length; i++) if (row.values[i] !== other.values[i]) columns.push(i);
    if (columns.length) out.changed.push({ source: row, target: other, columns });
  }
  for (const list of byKey.values()) out.missingInSource.push(...list);
  return out;
}

/** The set of keys (joined) of a difference list, for re-check intersection. */
export function differenceKeys(d: RowDifferences): Set<string> {
  const keys = new Set<string>();
  for (const r of d.missingInTarget) keys.add(`-${keyOf(r)}`);
  for (const r of d.missingInSource) keys.add(`+${keyOf(r)}`);
  for (const c of d.changed) keys.add(`!${keyOf(c.source)}`);
  return keys;
}

/** Keeps only the differences also present (same kind, same key) in `confirmed`. */
export function intersectDifferences(d: RowDifferences, confirmed: Set<string>): RowDifferences {
  return {
    missingInTarget: d.missingInTarget.filter((r) => confirmed.has(`-${keyOf(r)}`)),
    missingInSource: d.missingInSource.filter((r) => confirmed.has(`+${keyOf(r)}`)),
    changed: d.changed.filter((c) => confirmed.has(`!${keyOf(c.source)}`)),
  };
}
