/** Options of a table comparison; every field has a documented default. */
export interface CompareOptions {
  /** Key columns for every table (default: the source primary key). */
  readonly key?: readonly string[] | undefined;
  /** Key columns per table, overriding `key`. */
  readonly keys?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Compare only these columns (keys are always compared). */
  readonly columns?: readonly string[] | undefined;
  /** Leave these columns out. */
  readonly exclude?: readonly string[] | undefined;
  /** Decimal places floats are rounded to before comparing (default 10). */
  readonly floatDecimals?: number | undefined;
  /** Compare timestamps to at most this many fractional digits (default: the lower precision of both sides). */
  readonly timestampDigits?: number | undefined;
  /** Time zone the zone-less side was loaded in, for timestamp ↔ timestamptz pairs (default UTC). */
  readonly loadTimeZone?: string | undefined;
  /** SQL condition applied on both sides. */
  readonly where?: string | undefined;
  /** Sessions per side (default 1). */
  readonly connections?: number | undefined;
  /** Target duration of one checksum query, in seconds (default 5). */
  readonly segmentSeconds?: number | undefined;
  /** Ranges with at most this many rows are downloaded and compared row by row (default 10,000). */
  readonly downloadThreshold?: number | undefined;
  /** Differing keys listed per kind and table (default 1,000); the rest are counted. */
  readonly maxDiffs?: number | undefined;
  /** Live source: wait this long and re-check a differing range before reporting it (default 0: off). */
  readonly recheckAfterMs?: number | undefined;
  /** PostgreSQL → PostgreSQL of one major version: use native row hashes (default true). */
  readonly nativeHash?: boolean | undefined;
  /** Compare JSON columns as stored text (key order and spacing count) instead of by value (default false). */
  readonly jsonAsText?: boolean | undefined;
  /**
   * How timestamps are cut to the lower precision of the two sides (default: the rule of the target's engine,
   * rounding for PostgreSQL and MySQL, truncation for MariaDB and SQLite).
   */
  readonly timestampRounding?: 'round' | 'truncate' | undefined;
  /**
   * False: download every row's canonical rendering and compare it in tminus instead of comparing checksums
   * computed in the databases (slower; a cross-check of the checksum path). Default true.
   */
  readonly checksums?: boolean | undefined;
}

export const DEFAULTS = {
  floatDecimals: 10,
  loadTimeZone: 'UTC',
  connections: 1,
  segmentSeconds: 5,
  downloadThreshold: 10_000,
  maxDiffs: 1_000,
  firstSegmentRows: 20_000,
  splitFactor: 16,
} as const;
