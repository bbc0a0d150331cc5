import { TminusError } from '../../core/tminus-error.js';
import type {
  Bucket,
  CanonicalRow,
  Checksum,
  ColumnInfo,
  ColumnKind,
  Dialect,
  KeyRange,
  ScanLayout,
  TableInfo,
  TableQuery,
} from '../dialect.js';
import { Binder, rangeCondition, singleKey } from '../query-shapes.js';
import type { RenderedValues } from '../tminus-hashing.js';
import { bucketChecksumsOf, bucketOf, checksumOf, keyIndexes, groupChecksumsOf } from '../tminus-hashing.js';
import { SqliteDriver } from './sqlite-driver.js';
import type { SqliteValue } from './sqlite-render.js';
import { SQLITE_FLAVOUR as F, sqliteIdent as ident, sqliteValueText } from './sqlite-render.js';

/** Column kind from a declared SQLite type, following SQLite's affinity rules plus common spellings. */
export function sqliteKind(declared: string): ColumnKind {
  const t = declared.toUpperCase();
  if (/BOOL/.test(t)) return 'bool';
  if (/UUID/.test(t)) return 'uuid';
  if (/JSON/.test(t)) return 'json';
  if (/TIMESTAMPTZ|WITH TIME ZONE/.test(t)) return 'timestamptz';
  if (/DATETIME|TIMESTAMP/.test(t)) return 'timestamp';
  if (/^DATE$/.test(t)) return 'date';
  if (/^TIME(\(|$)/.test(t)) return 'time';
  if (/INT/.test(t)) return 'int';
  // Before the text rule: `DECIMAL_TEXT(20,10)` declares exact decimals kept as text (TEXT affinity).
  if (/DEC|NUMERIC/.test(t)) return 'decimal';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (/BLOB|BINARY|BYTEA/.test(t) || t === '') return t === '' ? 'other' : 'binary';
  if (/REAL|FLOA|DOUB/.test(t)) return 'float';
  return 'other';
}

/**
 * SQLite: rows are read in-process and rendered and hashed in Node with the same canonical rules (SQLite has
 * no MD5, and its `sum()` overflows past 2^63). Sums are kept exact as two 24-bit halves.
 */
export class SqliteDialect implements Dialect {
  readonly engine = 'sqlite' as const;
  readonly version: string;

  private constructor(
    private readonly db: SqliteDriver,
    readonly label: string,
  ) {
    const v = this.db.all('SELECT sqlite_version()', []);
    this.version = String(v[0]?.[0] ?? '?');
  }

  static open(path: string, label: string): SqliteDialect {
    try {
      return new SqliteDialect(new SqliteDriver(path, { readOnly: true }), label);
    } catch (error) {
      throw new TminusError('DATA_CONNECTION', `cannot open ${label}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  listTables(): Promise<string[]> {
    const rows = this.all(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
    );
    return Promise.resolve(rows.map((r) => String(r[0])));
  }

  describeTable(table: string): Promise<TableInfo | undefined> {
    const rows = this.all(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table);
    if (rows.length === 0) return Promise.resolve(undefined);
    const columns: ColumnInfo[] = rows.map((r) => {
      const type = String(r[1]);
      const scale = /\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(type)?.[1];
      const digits = /(?:TIME|STAMP)\w*\s*\(\s*(\d+)\s*\)/i.exec(type)?.[1];
      return {
        name: String(r[0]),
        nativeType: type.toLowerCase(),
        kind: sqliteKind(type),
        nullable: Number(r[2]) === 0,
        scale: scale === undefined ? undefined : Number(scale),
        fractionDigits: digits === undefined ? undefined : Number(digits),
      };
    });
    const primaryKey = rows
      .filter((r) => Number(r[3]) > 0)
      .sort((a, b) => Number(a[3]) - Number(b[3]))
      .map((r) => String(r[0]));
    return Promise.resolve({ name: table, columns, primaryKey });
  }

  count(q: TableQuery): Promise<bigint> {
    const { sql, params } = this.cond(q, { lo: null, hi: null });
    const r = this.all(`SELECT count(*) FROM ${ident(q.table)}${sql}`, ...params);
    return Promise.resolve(BigInt(r[0]?.[0] as bigint));
  }

  async estimateRows(q: TableQuery): Promise<number> {
    // In-process and cheap: SQLite's count is the estimate.
    return Number(await this.count({ ...q, where: undefined }));
  }

  checksum(q: TableQuery, range: KeyRange): Promise<Checksum> {
    const { sql, params } = this.cond(q, range);
    return checksumOf(this.rendered(q, `SELECT ${this.columns(q)} FROM ${ident(q.table)}${sql}`, params));
  }

  keyBounds(q: TableQuery): Promise<{ min: bigint; max: bigint } | null> {
    const k = ident(this.singleKey(q));
    const { sql, params } = this.cond(q, { lo: null, hi: null });
    const [min, max] =
      this.all(`SELECT min(${k}), max(${k}) FROM ${ident(q.table)}${sql}`, ...params)[0] ?? [];
    return Promise.resolve(
      min === null || min === undefined || max === null || max === undefined
        ? null
        : { min: BigInt(min as bigint), max: BigInt(max as bigint) },
    );
  }

  scanLayout(): Promise<ScanLayout> {
    // A rowid (INTEGER PRIMARY KEY) table is stored in key order.
    return Promise.resolve({ by: 'keys' });
  }

  groupChecksums(
    q: TableQuery,
    range: KeyRange,
    origin: bigint,
    width: bigint,
  ): Promise<Map<number, Checksum>> {
    const { sql, params } = this.cond(q, range);
    const rows = this.rendered(q, `SELECT ${this.columns(q)} FROM ${ident(q.table)}${sql}`, params);
    return groupChecksumsOf(rows, keyIndexes(q)[0] ?? 0, origin, width);
  }

  boundary(q: TableQuery, range: KeyRange, step: number): Promise<bigint | null> {
    const k = ident(this.singleKey(q));
    const { sql, params } = this.cond(q, range);
    const r = this.all(
      `SELECT ${k} FROM ${ident(q.table)}${sql} ORDER BY ${k} LIMIT 1 OFFSET ${Math.floor(step)}`,
      ...params,
    );
    const v = r[0]?.[0];
    return Promise.resolve(v === undefined || v === null ? null : BigInt(v as bigint));
  }

  rows(q: TableQuery, range: KeyRange): Promise<CanonicalRow[]> {
    const { sql, params } = this.cond(q, range);
    const out: CanonicalRow[] = [];
    const keyIdx = keyIndexes(q);
    const text = `SELECT ${this.columns(q)} FROM ${ident(q.table)}${sql} ORDER BY ${ident(this.singleKey(q))}`;
    for (const row of this.iterate(text, params)) {
      const values = this.render(q, row);
      out.push({ key: keyIdx.map((i) => values[i] ?? ''), values });
    }
    return Promise.resolve(out);
  }

  bucketChecksums(q: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>> {
    const { sql, params } = this.cond(q, { lo: null, hi: null });
    const rows = this.rendered(q, `SELECT ${this.columns(q)} FROM ${ident(q.table)}${sql}`, params);
    return bucketChecksumsOf(rows, keyIndexes(q), bits, parent);
  }

  bucketRows(q: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]> {
    const { sql, params } = this.cond(q, { lo: null, hi: null });
    const keyIdx = keyIndexes(q);
    const wanted = new Set(buckets);
    const out: CanonicalRow[] = [];
    for (const values of this.rendered(q, `SELECT ${this.columns(q)} FROM ${ident(q.table)}${sql}`, params)) {
      if (!wanted.has(bucketOf(values, keyIdx, bits))) continue;
      out.push({ key: keyIdx.map((i) => values[i] ?? ''), values });
    }
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private *rendered(q: TableQuery, sql: string, params: unknown[]): Generator<RenderedValues> {
    for (const row of this.iterate(sql, params)) yield this.render(q, row);
  }

  private render(q: TableQuery, row: SqliteValue[]): (string | null)[] {
    const out: (string | null)[] = new Array<string | null>(q.specs.length);
    for (let i = 0; i < q.specs.length; i++) out[i] = sqliteValueText(q.specs[i]!, row[i] ?? null);
    return out;
  }

  private columns(q: TableQuery): string {
    return q.specs.map((s) => ident(s.column)).join(', ');
  }

  private singleKey(q: TableQuery): string {
    return singleKey(q);
  }

  private cond(q: TableQuery, range: KeyRange): { sql: string; params: unknown[] } {
    const b = new Binder(F);
    const sql = rangeCondition(F, q, range, b);
    return { sql, params: b.values };
  }

  private all(sql: string, ...params: unknown[]): unknown[][] {
    try {
      return this.db.all(sql, params);
    } catch (error) {
      throw new TminusError('DATA_QUERY', `${this.label}: ${(error as Error).message}`, { cause: error });
    }
  }

  private iterate(sql: string, params: unknown[]): IterableIterator<SqliteValue[]> {
    try {
      return this.db.iterate(sql, params) as IterableIterator<SqliteValue[]>;
    } catch (error) {
      throw new TminusError('DATA_QUERY', `${this.label}: ${(error as Error).message}`, { cause: error });
    }
  }
}
