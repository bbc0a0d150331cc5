import type { HeapChunk, HeapPosition } from './heap-chunks.js';

/** The database engines tminus compares. MariaDB speaks the MySQL dialect. */
export type Engine = 'postgres' | 'mysql' | 'sqlite';

/** What a column holds, independent of the engine's spelling of its type. */
export type ColumnKind =
  | 'int'
  | 'decimal'
  | 'float'
  | 'bool'
  | 'text'
  | 'uuid'
  | 'binary'
  | 'timestamp'
  | 'timestamptz'
  | 'date'
  | 'time'
  | 'json'
  | 'other';

/** One column as the database describes it. */
export interface ColumnInfo {
  readonly name: string;
  /** The engine's own type spelling, e.g. `numeric(12,2)`, `tinyint(1)`. */
  readonly nativeType: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** Decimal scale, when declared. */
  readonly scale?: number | undefined;
  /** Fractional-second digits of timestamps and times. */
  readonly fractionDigits?: number | undefined;
  /** MySQL character set of a text column (rendered as utf8mb4 when it is another). */
  readonly charset?: string | undefined;
  /** True when the column is a single-precision float (rendered through double). */
  readonly singlePrecision?: boolean;
  /** True for MySQL `tinyint(1)`, which may hold booleans. */
  readonly maybeBool?: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  /** Primary key columns in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
}

/**
 * How one column is rendered to canonical text, identically on every engine. Chosen per column pair by
 * `planRendering`, so that both sides of a comparison render with the same rules.
 */
export interface RenderSpec {
  readonly column: string;
  /** The column's kind on this side (drives the SQL), next to the canonical kind both sides agree on. */
  readonly source: ColumnInfo;
  readonly as: RenderKind;
  /**
   * PostgreSQL native row hash: the column's type has no extended hash function (`json`, `xml`, `point`…), so
   * the native row hashes its canonical rendering (`jsonb` for JSON) instead.
   */
  readonly nativeFallback?: boolean | undefined;
}

/**
 * How a timestamp is cut to fewer fractional digits: truncated (MariaDB, SQLite), rounded half up (MySQL), or
 * rounded as PostgreSQL does (half up after 2000-01-01, half down before: ties go away from its epoch).
 */
export type TimestampRounding = 'truncate' | 'round-half-up' | 'round-postgres';

export type RenderKind =
  | { readonly kind: 'int' }
  | { readonly kind: 'decimal'; readonly scale: number | undefined }
  | { readonly kind: 'float'; readonly decimals: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'text' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'binary' }
  | {
      readonly kind: 'timestamp';
      readonly digits: number;
      readonly zone: string | undefined;
      /** How the side with more digits is cut to `digits` (truncation when absent). */
      readonly rounding?: TimestampRounding | undefined;
    }
  | { readonly kind: 'date' }
  | { readonly kind: 'time'; readonly digits: number }
  /**
   * JSON by value (canonical text: sorted keys, no spacing, numbers by value). `jsonb`: both sides are
   * PostgreSQL, so checksums hash `jsonb` inside the database; otherwise checksums are computed in tminus from
   * the downloaded canonical rendering (no engine pair agrees on a canonical JSON text in SQL).
   */
  | { readonly kind: 'json'; readonly jsonb: boolean };

/** What to compare in one table on one side: the columns to render (keys first), the key, a filter. */
export interface TableQuery {
  readonly table: string;
  readonly specs: readonly RenderSpec[];
  /** Key columns; each is also in `specs`. */
  readonly key: readonly string[];
  /** A SQL condition added to every query on this side (trusted input from the operator). */
  readonly where?: string | undefined;
}

/** `[lo, hi)` on a single integer key; `null` means unbounded. */
export interface KeyRange {
  readonly lo: bigint | null;
  readonly hi: bigint | null;
  /** PostgreSQL: only the heap pages `[from, to)` (a TID range scan; `to` null: to the end). */
  readonly pages?: { readonly from: number; readonly to: number | null } | undefined;
  /** Only keys inside one of these `[lo, hi)` ranges (small differing groups, fetched in one query). */
  readonly within?: readonly { readonly lo: bigint; readonly hi: bigint }[] | undefined;
}

/**
 * How a side is read best for a whole-table pass: by heap pages (PostgreSQL 14+: TID range scans read each
 * page once whatever the key order), or by key ranges (InnoDB and SQLite store rows in key order).
 */
export type ScanLayout =
  | { readonly by: 'pages'; readonly pages: number; readonly rowsPerPage: number }
  | {
      readonly by: 'keys';
      /** `listedGroupChecksums` reads each listed group by an index range scan (costs its rows, not the table). */
      readonly listed?: boolean | undefined;
    };

/** Row count and the exact sum of 48-bit row hashes of a segment or bucket. */
export interface Checksum {
  readonly count: bigint;
  readonly sum: bigint;
}

/** A heap chunk's checksum with the lowest and highest key it holds (none when it holds no row). */
export interface KeyedChecksum extends Checksum {
  readonly lo?: bigint | undefined;
  readonly hi?: bigint | undefined;
}

/** One row rendered canonically: its key values and every compared column's value (null for NULL). */
export interface CanonicalRow {
  readonly key: readonly string[];
  readonly values: readonly (string | null)[];
}

/**
 * The per-engine part of a comparison. Every method renders rows with the same canonical rules, so results
 * from two dialects can be compared directly.
 */
export interface Dialect {
  readonly engine: Engine;
  /** The connection described without secrets, e.g. `postgres://app@db:5432/shop`. */
  readonly label: string;
  /** Server version, e.g. `15.20` or `10.11.19-MariaDB`. */
  readonly version: string;
  listTables(): Promise<string[]>;
  describeTable(table: string): Promise<TableInfo | undefined>;
  count(query: TableQuery): Promise<bigint>;
  /** The planner's row estimate of the table (no scan), or 0 when it has none. */
  estimateRows(query: TableQuery): Promise<number>;
  checksum(query: TableQuery, range: KeyRange): Promise<Checksum>;
  /** The lowest and highest key of a single integer key (index look-ups), or null for an empty table. */
  keyBounds(query: TableQuery): Promise<{ min: bigint; max: bigint } | null>;
  /**
   * Count and sum per group of `width` consecutive key values inside a range of a single integer key (group
   * `g` holds keys `[origin + g·width, origin + (g+1)·width)`): one scan of the range gives
   * checksums fine enough that scattered differences are downloaded by small key ranges, without another
   * hashed scan. `native` asks PostgreSQL for its native row hash (both sides PostgreSQL, same types). Groups in
   * `skip` (already summed by `listedGroupChecksums`) may be left out; a caller ignores them when returned.
   */
  groupChecksums(
    query: TableQuery,
    range: KeyRange,
    origin: bigint,
    width: bigint,
    native: boolean,
    skip?: readonly number[],
  ): Promise<Map<number, Checksum>>;
  /**
   * The same count and sum per group as `groupChecksums`, for a list of groups only (a sample spread over the
   * key space), each read by its key range. Never asked for the first or last group of a comparison.
   */
  listedGroupChecksums?(
    query: TableQuery,
    origin: bigint,
    width: bigint,
    groups: readonly number[],
    native: boolean,
  ): Promise<Map<number, Checksum>>;
  /**
   * PostgreSQL, a heap in key order (`ScanLayout` by keys, listed): where each of the groups `0 … groups - 1`
   * starts in the heap (see `heap-chunks.ts`), or null where no key is at or above the group's first.
   */
  groupStarts?(
    query: TableQuery,
    origin: bigint,
    width: bigint,
    groups: number,
  ): Promise<(HeapPosition | null)[]>;
  /**
   * Count and native-hash sum of the rows each heap chunk holds (sequential TID range scans), by the chunk's
   * group — whatever the rows' keys: a row outside its group's chunk (see `chunkStragglers`) counts where it
   * lies.
   */
  heapChunkChecksums?(query: TableQuery, chunks: readonly HeapChunk[]): Promise<Map<number, Checksum>>;
  /** The same with the lowest and highest key of each chunk. */
  keyedChunkChecksums?(query: TableQuery, chunks: readonly HeapChunk[]): Promise<Map<number, KeyedChecksum>>;
  /** Count and native-hash sum of the rows whose key lies in one of `ranges` (inclusive, disjoint). */
  keyRangesChecksum?(
    query: TableQuery,
    ranges: readonly { readonly lo: bigint; readonly hi: bigint }[],
  ): Promise<Checksum>;
  /** How many rows the chunks hold, and the keys of those outside their chunk's group. */
  chunkStragglers?(
    query: TableQuery,
    chunks: readonly HeapChunk[],
  ): Promise<{ rows: bigint; keys: bigint[] }>;
  /** PostgreSQL: how many pages the table's heap has (see `page-chunks.ts`). */
  heapPages?(query: TableQuery): Promise<number>;
  /** PostgreSQL: the lowest key on each of the listed heap pages, null for an empty page (no filter). */
  pageFirstKeys?(query: TableQuery, pages: readonly number[]): Promise<(bigint | null)[]>;
  /** PostgreSQL: the key and native hash of every row the heap chunks hold, by chunk: `key:hash` pairs joined by commas. */
  chunkRowHashes?(query: TableQuery, chunks: readonly HeapChunk[]): Promise<Map<number, string>>;
  /** How a whole-table pass reads this side. */
  scanLayout(query: TableQuery): Promise<ScanLayout>;
  /** The key `step` rows after `lo` (inclusive start) in key order, or null when fewer rows remain. */
  boundary(query: TableQuery, range: KeyRange, step: number): Promise<bigint | null>;
  /** Rows of a range, ordered by key. */
  rows(query: TableQuery, range: KeyRange): Promise<CanonicalRow[]>;
  /** Count and sum per key-hash bucket (`bits` high bits of the key hash), optionally inside one parent bucket. */
  bucketChecksums(query: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>>;
  /** Rows whose key hash falls in the given buckets (all at the same `bits`). */
  bucketRows(query: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]>;
  /** A PostgreSQL-only native checksum of a range, used when both sides are PostgreSQL of one major version. */
  nativeChecksum?(query: TableQuery, range: KeyRange): Promise<Checksum>;
  /** Columns whose type has no native (extended) hash function: probed with a value of the table. */
  nativeUnhashable?(query: TableQuery): Promise<string[]>;
  close(): Promise<void>;
}

export interface Bucket {
  readonly bits: number;
  readonly value: number;
}
