import type {
  Bucket,
  CanonicalRow,
  Checksum,
  ColumnInfo,
  ColumnKind,
  Dialect,
  KeyedChecksum,
  KeyRange,
  ScanLayout,
  TableInfo,
  TableQuery,
} from '../dialect.js';
import {
  boundarySql,
  bucketChecksumSql,
  bucketRowsSql,
  canonicalRowsOf,
  checksumMap,
  checksumSql,
  countSql,
  groupChecksumSql,
  keyBoundsSql,
  serverVersion,
  queryError,
  rowsSql,
} from '../query-shapes.js';
import { SideQueries } from '../side-queries.js';
import type { RenderedValues } from '../tminus-hashing.js';
import {
  bucketChecksumsOf,
  checksumOf,
  hashesInTminus,
  keyIndexes,
  groupChecksumsOf,
} from '../tminus-hashing.js';
import type { HeapChunk, HeapPosition } from '../heap-chunks.js';
import { parseHeapPosition } from '../heap-chunks.js';
import {
  chunkRowHashesSql,
  chunkStragglersSql,
  groupStartsSql,
  heapChunkSumsSql,
  heapPagesSql,
  keyRangesSumSql,
  pageFirstKeysSql,
} from './heap-chunk-sums.js';
import { keyRangeSumsSql, listedGroupSumsSql, withinGroupSumsSql } from './key-range-sums.js';
import { PostgresDriver } from './postgres-driver.js';
import {
  POSTGRES_FLAVOUR as F,
  pgIdent,
  postgresKeyHashSql,
  postgresRowHashSql,
  postgresValueSql,
} from './postgres-render.js';

/** Column kind by `information_schema` type name, or else by the type's own name (exported for the tests). */
export const KINDS: Readonly<Record<string, ColumnKind>> = {
  smallint: 'int',
  integer: 'int',
  bigint: 'int',
  numeric: 'decimal',
  real: 'float',
  'double precision': 'float',
  boolean: 'bool',
  text: 'text',
  'character varying': 'text',
  character: 'text',
  name: 'text',
  citext: 'text',
  uuid: 'uuid',
  bytea: 'binary',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  date: 'date',
  'time without time zone': 'time',
  json: 'json',
  jsonb: 'json',
};

/** True for key ranges in ascending order that do not overlap (each row in one range at most). */
function disjoint(
  within: KeyRange['within'],
): within is readonly { readonly lo: bigint; readonly hi: bigint }[] {
  if (!within?.length) return false;
  return within.every((r, i) => r.lo < r.hi && (i === 0 || within[i - 1]!.hi <= r.lo));
}

/** Planner correlation between key order and heap order above which a table is read by key ranges. */
const KEY_ORDER_CORRELATION = 0.95;

/**
 * `information_schema.columns` (PostgreSQL 12–17) for one table, written on `pg_catalog`, plus each column's
 * position in the primary key. `$1` the schema (null: `current_schema()`), `$2` the table's name.
 */
const DESCRIBE_SQL = `SELECT a.attname AS column_name,
    CASE WHEN t.typtype = 'd' THEN
      CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY'
           WHEN nbt.nspname = 'pg_catalog' THEN format_type(t.typbasetype, NULL) ELSE 'USER-DEFINED' END
    ELSE
      CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
           WHEN nt.nspname = 'pg_catalog' THEN format_type(a.atttypid, NULL) ELSE 'USER-DEFINED' END
    END AS data_type,
    coalesce(bt.typname, t.typname)::text AS udt_name,
    information_schema._pg_numeric_scale(information_schema._pg_truetypid(a.*, t.*),
      information_schema._pg_truetypmod(a.*, t.*))::int AS numeric_scale,
    information_schema._pg_datetime_precision(information_schema._pg_truetypid(a.*, t.*),
      information_schema._pg_truetypmod(a.*, t.*))::int AS datetime_precision,
    CASE WHEN a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) THEN 'NO' ELSE 'YES' END AS is_nullable,
    array_position(i.indkey::int2[], a.attnum)::int AS pk
   FROM pg_attribute a
   JOIN pg_class c ON c.oid = a.attrelid
   JOIN pg_namespace nc ON nc.oid = c.relnamespace
   JOIN pg_type t ON t.oid = a.atttypid
   JOIN pg_namespace nt ON nt.oid = t.typnamespace
   LEFT JOIN (pg_type bt JOIN pg_namespace nbt ON nbt.oid = bt.typnamespace)
     ON t.typtype = 'd' AND t.typbasetype = bt.oid
   LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
  WHERE nc.nspname = coalesce($1, current_schema()) AND c.relname = $2
    AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'f', 'p')
    AND (pg_has_role(c.relowner, 'USAGE') OR has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))
  ORDER BY a.attnum`;

/** A type name's kind: only `KINDS`'s own entries (a user-defined type may be named `valueOf`). */
const kindOf = (name: string): ColumnKind | undefined =>
  Object.hasOwn(KINDS, name) ? KINDS[name] : undefined;

const orderedKey = (q: TableQuery) => `${q.table}\u0000${q.key.join('\u0000')}`;

/** PostgreSQL: canonical rendering and hashing run inside the server; sessions in UTC. */
export class PostgresDialect implements Dialect {
  readonly engine = 'postgres' as const;

  private readonly sql: SideQueries;
  /** Tables (with their key) whose heap is in key order behind a btree index led by the key (see `scanLayout`). */
  private readonly keyOrdered = new Set<string>();

  private constructor(
    private readonly driver: PostgresDriver,
    readonly label: string,
    readonly version: string,
  ) {
    this.sql = new SideQueries(driver, label);
  }

  /** Opens a pool of `connections` sessions and checks that the server answers. */
  static async open(url: string, label: string, connections: number): Promise<PostgresDialect> {
    const driver = new PostgresDriver(url, {
      connections,
      // No JIT: checksum queries are simple expressions over a scan, and compiling them costs more than it
      // saves (tens of ms per query on a loaded machine, over 100 ms for a narrowing query misestimated).
      settings: '-c TimeZone=UTC -c extra_float_digits=1 -c client_encoding=UTF8 -c DateStyle=ISO -c jit=off',
    });
    // All sessions opened at once, beside each other: a comparison's look-ups use the spare one from its start
    // instead of opening it in the middle of the run. A failure shows on the version query (or on the first
    // statement that finds no session), as before.
    await driver.connectAll().catch(() => undefined);
    const version = await serverVersion(driver, label, `SELECT current_setting('server_version') AS v`);
    return new PostgresDialect(driver, label, version);
  }

  async listTables(): Promise<string[]> {
    const r = await this.sql.run<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    return r.map((x) => x.t);
  }

  /**
   * Columns and primary key in one statement on `pg_catalog`: the same facts (and the same spelling) as
   * `information_schema.columns` — its type name, user-defined name, scale, precision, nullability and its
   * privilege filter, through the same `information_schema._pg_*` helpers — at about half the backend time in a
   * fresh session, and one round trip instead of two.
   */
  async describeTable(table: string): Promise<TableInfo | undefined> {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
    const cols = await this.sql.run<{
      column_name: string;
      data_type: string;
      udt_name: string;
      numeric_scale: number | null;
      datetime_precision: number | null;
      is_nullable: string;
      pk: number | null;
    }>(DESCRIBE_SQL, [schema ?? null, name]);
    if (cols.length === 0) return undefined;
    const columns: ColumnInfo[] = cols.map((c) => ({
      name: c.column_name,
      nativeType: c.data_type === 'USER-DEFINED' ? c.udt_name : c.data_type,
      kind: kindOf(c.data_type) ?? kindOf(c.udt_name) ?? 'other',
      nullable: c.is_nullable === 'YES',
      scale: c.numeric_scale ?? undefined,
      fractionDigits: c.datetime_precision ?? undefined,
      singlePrecision: c.data_type === 'real',
    }));
    const primaryKey = cols
      .filter((c) => c.pk !== null)
      .sort((x, y) => x.pk! - y.pk!)
      .map((c) => c.column_name);
    return { name: table, columns, primaryKey };
  }

  async count(q: TableQuery): Promise<bigint> {
    const r = await this.sql.bound(countSql(F, q));
    return BigInt(r[0]?.[0] ?? '0');
  }

  async estimateRows(q: TableQuery): Promise<number> {
    const r = await this.sql.run<{ n: string }>(
      `SELECT reltuples::bigint::text AS n FROM pg_class WHERE oid = $1::regclass`,
      [pgIdent(q.table)],
    );
    return Math.max(0, Number(r[0]?.n ?? 0));
  }

  async checksum(q: TableQuery, range: KeyRange): Promise<Checksum> {
    if (hashesInTminus(q)) return checksumOf(this.renderedRows(q, range));
    return this.sumOf(q, range, postgresRowHashSql(q.specs));
  }

  async nativeChecksum(q: TableQuery, range: KeyRange): Promise<Checksum> {
    return this.sumOf(q, range, this.nativeHashSql(q));
  }

  /**
   * PostgreSQL's own 64-bit row hash, cut to 48 bits: no text rendering, several times cheaper than MD5. A
   * column whose type has no extended hash is hashed through its canonical rendering (`jsonb` for JSON).
   */
  private nativeHashSql(q: TableQuery): string {
    const columns = q.specs.map((s) => {
      if (!s.nativeFallback) return pgIdent(s.column);
      return s.as.kind === 'json' ? `(${pgIdent(s.column)})::jsonb` : postgresValueSql(s);
    });
    return `(hash_record_extended(ROW(${columns.join(', ')}), 0) & 281474976710655)`;
  }

  async nativeUnhashable(q: TableQuery): Promise<string[]> {
    const out: string[] = [];
    // Scalar types tminus knows all have a hash opclass; JSON and unknown types (arrays, xml, geometry…) are
    // probed, one query each.
    for (const s of q.specs.filter((x) => x.source.kind === 'json' || x.source.kind === 'other')) {
      const c = pgIdent(s.column);
      // A typed NULL finds a missing hash function for the type; a stored value finds one of an element type.
      const probe = `SELECT hash_record_extended(ROW(v), 0) FROM ((SELECT ${c} AS v FROM ${pgIdent(q.table)}
        WHERE ${c} IS NOT NULL LIMIT 1) UNION ALL (SELECT (SELECT ${c} FROM ${pgIdent(q.table)} LIMIT 0))) z`;
      try {
        await this.driver.query(probe);
      } catch (error) {
        if ((error as { code?: string }).code !== '42883') throw queryError(this.label, error);
        out.push(s.column);
      }
    }
    return out;
  }

  async keyBounds(q: TableQuery): Promise<{ min: bigint; max: bigint } | null> {
    const r = await this.sql.bound(keyBoundsSql(F, q));
    const [min, max] = r[0] ?? [];
    return min === null || min === undefined || max === null || max === undefined
      ? null
      : { min: BigInt(min), max: BigInt(max) };
  }

  /**
   * A table whose heap is in key order (planner statistics: key correlation of at least
   * `KEY_ORDER_CORRELATION`) behind a btree index led by the key is read by key ranges: each group is then a
   * plain `count + sum` over an index range scan (`keyRangeSumsSql`), which reads the heap in order: 1.2–1.4×
   * the backend CPU of one plain sequential `count + sum`, where the `GROUP BY` costs 1.4–1.45×. Other tables are read by heap page ranges (TID range scans, PostgreSQL 14+)
   * with a grouped query, which reads each page once whatever the key order.
   */
  async scanLayout(q: TableQuery): Promise<ScanLayout> {
    const key = q.key.length === 1 ? q.key[0] : undefined;
    if (key !== undefined) {
      const r = await this.sql.arrays(
        `SELECT (SELECT abs(s.correlation)::text FROM pg_stats s
                  WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = $2
                    AND NOT s.inherited),
                EXISTS (SELECT 1 FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am m ON m.oid = x.relam
                         WHERE i.indrelid = c.oid AND m.amname = 'btree' AND i.indkey[0] = a.attnum
                           AND i.indpred IS NULL)::text
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = $2
          WHERE c.oid = $1::regclass`,
        [pgIdent(q.table), key],
      );
      const correlation = Number(r[0]?.[0] ?? 0);
      if (r[0]?.[1] === 'true' && correlation >= KEY_ORDER_CORRELATION) {
        this.keyOrdered.add(orderedKey(q));
        return { by: 'keys', listed: true };
      }
    }
    this.keyOrdered.delete(orderedKey(q));
    // TID range scans arrived in PostgreSQL 14.
    if (Number(/^\d+/.exec(this.version)?.[0] ?? 0) < 14) return { by: 'keys' };
    const r = await this.sql.arrays(
      `SELECT greatest(relpages, 1)::text, (CASE WHEN relpages > 0 AND reltuples > 0 THEN reltuples / relpages ELSE 0 END)::text
         FROM pg_class WHERE oid = $1::regclass`,
      [pgIdent(q.table)],
    );
    const pages = Number(r[0]?.[0] ?? 0);
    const rowsPerPage = Number(r[0]?.[1] ?? 0);
    return pages > 0 && rowsPerPage > 0 ? { by: 'pages', pages, rowsPerPage } : { by: 'keys' };
  }

  async groupChecksums(
    q: TableQuery,
    range: KeyRange,
    origin: bigint,
    width: bigint,
    native: boolean,
    skip: readonly number[] = [],
  ): Promise<Map<number, Checksum>> {
    if (!native && hashesInTminus(q)) {
      return groupChecksumsOf(this.renderedRows(q, range), keyIndexes(q)[0] ?? 0, origin, width);
    }
    const h = native ? this.nativeHashSql(q) : postgresRowHashSql(q.specs);
    if (!range.pages && !range.within?.length && this.keyOrdered.has(orderedKey(q))) {
      return checksumMap(await this.sql.bound(keyRangeSumsSql(q, range, origin, width, h, skip)));
    }
    if (!range.pages && range.lo === null && range.hi === null && disjoint(range.within)) {
      return checksumMap(await this.sql.bound(withinGroupSumsSql(q, range.within, origin, width, h)));
    }
    // Grouped by a bigint (never text): a hash aggregate of a few thousand groups, far below work_mem.
    return checksumMap(await this.sql.bound(groupChecksumSql(F, q, range, origin, width, h)));
  }

  async listedGroupChecksums(
    q: TableQuery,
    origin: bigint,
    width: bigint,
    groups: readonly number[],
    native: boolean,
  ): Promise<Map<number, Checksum>> {
    if (groups.length === 0) return new Map();
    if (!native && hashesInTminus(q)) {
      const within = groups.map((g) => ({
        lo: origin + BigInt(g) * width,
        hi: origin + BigInt(g + 1) * width,
      }));
      return this.groupChecksums(q, { lo: null, hi: null, within }, origin, width, native);
    }
    const h = native ? this.nativeHashSql(q) : postgresRowHashSql(q.specs);
    return checksumMap(await this.sql.bound(listedGroupSumsSql(q, origin, width, groups, h)));
  }

  async groupStarts(
    q: TableQuery,
    origin: bigint,
    width: bigint,
    groups: number,
  ): Promise<(HeapPosition | null)[]> {
    const r = await this.sql.bound(groupStartsSql(q, origin, width, groups));
    return r.map((x) => parseHeapPosition(x[0]));
  }

  async heapChunkChecksums(q: TableQuery, chunks: readonly HeapChunk[]): Promise<Map<number, Checksum>> {
    if (chunks.length === 0) return new Map();
    return checksumMap(await this.sql.bound(heapChunkSumsSql(q, chunks, this.nativeHashSql(q))));
  }

  async chunkStragglers(
    q: TableQuery,
    chunks: readonly HeapChunk[],
  ): Promise<{ rows: bigint; keys: bigint[] }> {
    const out = { rows: 0n, keys: [] as bigint[] };
    if (chunks.length === 0) return out;
    for (const [c, x] of await this.sql.bound(chunkStragglersSql(q, chunks))) {
      out.rows += BigInt(c ?? '0');
      if (x) for (const k of x.split(',')) out.keys.push(BigInt(k));
    }
    return out;
  }

  async heapPages(q: TableQuery): Promise<number> {
    const r = (await this.sql.bound(heapPagesSql(q)))[0];
    return Number(r?.[0] ?? 0);
  }

  async pageFirstKeys(q: TableQuery, pages: readonly number[]): Promise<(bigint | null)[]> {
    if (pages.length === 0) return [];
    return (await this.sql.bound(pageFirstKeysSql(q, pages))).map((r) => (r[0] ? BigInt(r[0]) : null));
  }

  async chunkRowHashes(q: TableQuery, chunks: readonly HeapChunk[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    if (chunks.length === 0) return out;
    for (const [g, x] of await this.sql.bound(chunkRowHashesSql(q, chunks, this.nativeHashSql(q)))) {
      if (x) out.set(Number(g), x);
    }
    return out;
  }

  async keyedChunkChecksums(
    q: TableQuery,
    chunks: readonly HeapChunk[],
  ): Promise<Map<number, KeyedChecksum>> {
    const out = new Map<number, KeyedChecksum>();
    if (chunks.length === 0) return out;
    for (const [g, c, h, lo, hi] of await this.sql.bound(
      heapChunkSumsSql(q, chunks, this.nativeHashSql(q), true),
    )) {
      out.set(Number(g), {
        count: BigInt(c ?? '0'),
        sum: BigInt(h ?? '0'),
        lo: lo ? BigInt(lo) : undefined,
        hi: hi ? BigInt(hi) : undefined,
      });
    }
    return out;
  }

  async keyRangesChecksum(q: TableQuery, ranges: readonly { lo: bigint; hi: bigint }[]): Promise<Checksum> {
    if (ranges.length === 0) return { count: 0n, sum: 0n };
    return checksumMap(await this.sql.bound(keyRangesSumSql(q, ranges, this.nativeHashSql(q)))).get(0)!;
  }

  async boundary(q: TableQuery, range: KeyRange, step: number): Promise<bigint | null> {
    const v = (await this.sql.bound(boundarySql(F, q, range, step)))[0]?.[0];
    return v === undefined || v === null ? null : BigInt(v);
  }

  async rows(q: TableQuery, range: KeyRange): Promise<CanonicalRow[]> {
    const sql = rowsSql(F, q, range, this.valuesSql(q), true);
    return canonicalRowsOf(q, await this.sql.bound(sql));
  }

  async bucketChecksums(q: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>> {
    if (hashesInTminus(q)) {
      return bucketChecksumsOf(this.renderedRows(q, { lo: null, hi: null }), keyIndexes(q), bits, parent);
    }
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const sql = bucketChecksumSql(
      F,
      q,
      postgresKeyHashSql(keySpecs),
      postgresRowHashSql(q.specs),
      bits,
      parent,
    );
    return checksumMap(await this.sql.bound(sql));
  }

  async bucketRows(q: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]> {
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const sql = bucketRowsSql(
      F,
      q,
      postgresKeyHashSql(keySpecs),
      this.valuesSql(q),
      bits,
      (b) => `= ANY(${b.bind(buckets.map(String))}::bigint[])`,
    );
    return canonicalRowsOf(q, await this.sql.bound(sql));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Runs a statement as-is (used by `data.sync-wait`). */
  async query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    return this.sql.run<T>(sql, values);
  }

  private async sumOf(q: TableQuery, range: KeyRange, hash: string): Promise<Checksum> {
    const r = await this.sql.bound(checksumSql(F, q, range, hash));
    return { count: BigInt(r[0]?.[0] ?? '0'), sum: BigInt(r[0]?.[1] ?? '0') };
  }

  private valuesSql(q: TableQuery): string[] {
    return q.specs.map((s) => postgresValueSql(s));
  }

  /** The rendered rows of a range, streamed (for checksums computed in tminus). */
  private renderedRows(q: TableQuery, range: KeyRange): AsyncGenerator<RenderedValues> {
    return this.sql.rendered(q, rowsSql(F, q, range, this.valuesSql(q), false));
  }
}
