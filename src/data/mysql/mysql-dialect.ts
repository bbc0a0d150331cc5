import mysql from 'mysql2';
import { TminusError } from '../../core/tminus-error.js';
import { redactUrls } from '../connection-url.js';
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
import type { RenderedValues } from '../tminus-hashing.js';
import {
  bucketChecksumsOf,
  checksumOf,
  finishRendered,
  hashesInTminus,
  keyIndexes,
  groupChecksumsOf,
  toCanonicalRow,
} from '../tminus-hashing.js';
import { myIdent, mysqlKeyHashSql, mysqlRowHashSql, mysqlValueSql } from './mysql-render.js';

type MysqlPool = ReturnType<typeof mysql.createPool>;

const KINDS: Readonly<Record<string, ColumnKind>> = {
  tinyint: 'int',
  smallint: 'int',
  mediumint: 'int',
  int: 'int',
  bigint: 'int',
  year: 'int',
  decimal: 'decimal',
  float: 'float',
  double: 'float',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  json: 'json',
  uuid: 'uuid',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  datetime: 'timestamp',
  timestamp: 'timestamptz',
  date: 'date',
  time: 'time',
};

interface Cond {
  sql: string;
  values: unknown[];
}

/** MySQL and MariaDB: canonical rendering and hashing inside the server; sessions in UTC and utf8mb4. */
export class MysqlDialect implements Dialect {
  readonly engine = 'mysql' as const;

  private constructor(
    private readonly pool: MysqlPool,
    readonly label: string,
    readonly version: string,
  ) {}

  static async open(url: string, label: string, connections: number): Promise<MysqlDialect> {
    const pool = mysql.createPool({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      connectionLimit: Math.max(1, connections),
      charset: 'UTF8MB4_BIN',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: true,
      // Every value is canonical text rendered in SQL: mysql2 would otherwise parse a column it sees as JSON,
      // turning JSON `null` into SQL NULL and objects into values that never compare equal.
      jsonStrings: true,
      connectTimeout: 10_000,
    });
    pool.on('connection', (c) => {
      // One round trip before the connection's first statement: UTC and utf8mb4 decide every rendering.
      c.query(`SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_bin`);
    });
    const dialect = new MysqlDialect(pool, label, '?');
    try {
      const r = await dialect.runRaw<{ v: string }>('SELECT VERSION() AS v', []);
      return new MysqlDialect(pool, label, r[0]?.v ?? '?');
    } catch (error) {
      await dialect.close().catch(() => undefined);
      throw new TminusError(
        'DATA_CONNECTION',
        `cannot connect to ${label}: ${redactUrls(messageOf(error))}`,
        {
          cause: error,
        },
      );
    }
  }

  async listTables(): Promise<string[]> {
    const r = await this.run<{ t: string }>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
    );
    return r.map((x) => x.t);
  }

  async describeTable(table: string): Promise<TableInfo | undefined> {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : [null, table];
    const cols = await this.run<{
      n: string;
      dt: string;
      ct: string;
      sc: string | number | null;
      dp: string | number | null;
      nl: string;
      cs: string | null;
    }>(
      `SELECT COLUMN_NAME AS n, DATA_TYPE AS dt, COLUMN_TYPE AS ct, NUMERIC_SCALE AS sc, DATETIME_PRECISION AS dp,
              IS_NULLABLE AS nl, CHARACTER_SET_NAME AS cs
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [schema, name],
    );
    if (cols.length === 0) return undefined;
    const pk = await this.run<{ n: string }>(
      `SELECT COLUMN_NAME AS n FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
        ORDER BY ORDINAL_POSITION`,
      [schema, name],
    );
    // MariaDB's JSON is LONGTEXT with a `json_valid(col)` check; MySQL's is a type of its own.
    const checks = await this.run<{ c: string }>(
      `SELECT CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
      [schema, name],
    ).catch(() => [] as { c: string }[]);
    const jsonColumns = new Set(
      checks.flatMap((x) => {
        const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(x.c.trim());
        return m ? [m[1]!.replace(/``/g, '`')] : [];
      }),
    );
    const columns: ColumnInfo[] = cols.map((c) => {
      const dt = jsonColumns.has(c.n) && c.dt.toLowerCase() === 'longtext' ? 'json' : c.dt.toLowerCase();
      const ct = c.ct.toLowerCase();
      return {
        name: c.n,
        nativeType: dt === 'json' ? 'json' : ct,
        kind: dt === 'bit' && /^bit\(1\)/.test(ct) ? 'bool' : (KINDS[dt] ?? 'other'),
        nullable: c.nl === 'YES',
        scale: c.sc === null || dt !== 'decimal' ? undefined : Number(c.sc),
        fractionDigits: c.dp === null ? undefined : Number(c.dp),
        charset: c.cs ?? undefined,
        singlePrecision: dt === 'float',
        maybeBool: /^tinyint\(1\)/.test(ct),
      };
    });
    return { name: table, columns, primaryKey: pk.map((p) => p.n) };
  }

  async count(q: TableQuery): Promise<bigint> {
    const cond = this.cond(q, { lo: null, hi: null });
    const r = await this.runArray(`SELECT COUNT(*) FROM ${myIdent(q.table)}${cond.sql}`, cond.values);
    return BigInt(r[0]?.[0] ?? '0');
  }

  async estimateRows(q: TableQuery): Promise<number> {
    const [schema, name] = q.table.includes('.') ? q.table.split('.', 2) : [null, q.table];
    const r = await this.runArray(
      `SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
      [schema, name],
    );
    return Math.max(0, Number(r[0]?.[0] ?? 0));
  }

  async checksum(q: TableQuery, range: KeyRange): Promise<Checksum> {
    if (hashesInTminus(q)) return checksumOf(this.renderedRows(q, range));
    const cond = this.cond(q, range);
    const r = await this.runArray(
      `SELECT COUNT(*), COALESCE(SUM(${mysqlRowHashSql(q.specs)}), 0) FROM ${myIdent(q.table)}${cond.sql}`,
      cond.values,
    );
    return { count: BigInt(r[0]?.[0] ?? '0'), sum: BigInt(r[0]?.[1] ?? '0') };
  }

  async keyBounds(q: TableQuery): Promise<{ min: bigint; max: bigint } | null> {
    const k = myIdent(this.singleKey(q));
    const cond = this.cond(q, { lo: null, hi: null });
    const r = await this.runArray(
      `SELECT CAST(MIN(${k}) AS CHAR), CAST(MAX(${k}) AS CHAR) FROM ${myIdent(q.table)}${cond.sql}`,
      cond.values,
    );
    const [min, max] = r[0] ?? [];
    return min === null || min === undefined || max === null || max === undefined
      ? null
      : { min: BigInt(min), max: BigInt(max) };
  }

  scanLayout(): Promise<ScanLayout> {
    // InnoDB stores rows in primary-key order: key ranges are read in physical order.
    return Promise.resolve({ by: 'keys' });
  }

  async groupChecksums(
    q: TableQuery,
    range: KeyRange,
    origin: bigint,
    width: bigint,
  ): Promise<Map<number, Checksum>> {
    if (hashesInTminus(q)) {
      return groupChecksumsOf(this.renderedRows(q, range), keyIndexes(q)[0] ?? 0, origin, width);
    }
    const cond = this.cond(q, range);
    const k = myIdent(this.singleKey(q));
    // GROUP BY 1, never an alias: MySQL resolves a GROUP BY name to a table column first, so an alias that a
    // column shares (a column named `b`) would group by that column and lose rows. ORDER BY NULL: no sort.
    const r = await this.runArray(
      `SELECT (${k} - ?) DIV ?, COUNT(*), SUM(${mysqlRowHashSql(q.specs)}) FROM ${myIdent(q.table)}${cond.sql}
        GROUP BY 1 ORDER BY NULL`,
      [origin.toString(), width.toString(), ...cond.values],
    );
    return new Map(r.map((x) => [Number(x[0]), { count: BigInt(x[1] ?? '0'), sum: BigInt(x[2] ?? '0') }]));
  }

  async boundary(q: TableQuery, range: KeyRange, step: number): Promise<bigint | null> {
    const k = myIdent(this.singleKey(q));
    const cond = this.cond(q, range);
    const r = await this.runArray(
      `SELECT CAST(${k} AS CHAR) FROM ${myIdent(q.table)}${cond.sql} ORDER BY ${k} LIMIT 1 OFFSET ${Math.floor(step)}`,
      cond.values,
    );
    const v = r[0]?.[0];
    return v === undefined || v === null ? null : BigInt(v);
  }

  async rows(q: TableQuery, range: KeyRange): Promise<CanonicalRow[]> {
    const cond = this.cond(q, range);
    const values = q.specs.map((s) => mysqlValueSql(s)).join(', ');
    const sql = `SELECT ${values} FROM ${myIdent(q.table)}${cond.sql} ORDER BY ${myIdent(this.singleKey(q))}`;
    return this.canonicalRows(q, sql, cond.values);
  }

  async bucketChecksums(q: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>> {
    if (hashesInTminus(q)) {
      return bucketChecksumsOf(this.renderedRows(q, { lo: null, hi: null }), keyIndexes(q), bits, parent);
    }
    const cond = this.cond(q, { lo: null, hi: null });
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const inner = `SELECT ${mysqlKeyHashSql(keySpecs)} AS kh, ${mysqlRowHashSql(q.specs)} AS h FROM ${myIdent(q.table)}${cond.sql}`;
    const filter = parent ? ` WHERE (kh >> ${32 - parent.bits}) = ${parent.value}` : '';
    const r = await this.runArray(
      `SELECT kh >> ${32 - bits}, COUNT(*), SUM(h) FROM (${inner}) z${filter} GROUP BY 1`,
      cond.values,
    );
    return new Map(r.map((x) => [Number(x[0]), { count: BigInt(x[1] ?? '0'), sum: BigInt(x[2] ?? '0') }]));
  }

  async bucketRows(q: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]> {
    const cond = this.cond(q, { lo: null, hi: null });
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const values = q.specs.map((s, i) => `${mysqlValueSql(s)} AS c${i}`).join(', ');
    const inner = `SELECT ${mysqlKeyHashSql(keySpecs)} AS kh, ${values} FROM ${myIdent(q.table)}${cond.sql}`;
    const cols = q.specs.map((_, i) => `c${i}`).join(', ');
    const sql = `SELECT ${cols} FROM (${inner}) z WHERE (kh >> ${32 - bits}) IN (?)`;
    return this.canonicalRows(q, sql, [...cond.values, buckets.length ? [...buckets] : [-1]]);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }

  private async canonicalRows(q: TableQuery, sql: string, values: unknown[]): Promise<CanonicalRow[]> {
    const rows = await this.runArray(sql, values);
    return rows.map((v) => toCanonicalRow(q, finishRendered(q, v)));
  }

  /** The rendered rows of a range, streamed (for checksums computed in tminus). */
  private async *renderedRows(q: TableQuery, range: KeyRange): AsyncGenerator<RenderedValues> {
    const cond = this.cond(q, range);
    const values = q.specs.map((s) => mysqlValueSql(s)).join(', ');
    const sql = `SELECT ${values} FROM ${myIdent(q.table)}${cond.sql}`;
    for await (const v of this.stream(sql, cond.values)) yield finishRendered(q, v);
  }

  /** Streams a query's rows on one pooled connection, with back-pressure, so memory stays flat. */
  private async *stream(sql: string, values: unknown[]): AsyncGenerator<RenderedValues> {
    const conn = await new Promise<mysql.PoolConnection>((resolve, reject) =>
      this.pool.getConnection((error, c) => (error ? reject(this.queryError(error)) : resolve(c))),
    );
    try {
      const rows = conn.query({ sql, rowsAsArray: true }, values).stream({ highWaterMark: 2_000 });
      try {
        for await (const r of rows) yield r as RenderedValues;
      } catch (error) {
        throw this.queryError(error);
      }
    } finally {
      conn.release();
    }
  }

  private queryError(error: unknown): TminusError {
    return new TminusError('DATA_QUERY', `${this.label}: ${redactUrls(messageOf(error))}`, { cause: error });
  }

  private singleKey(q: TableQuery): string {
    const k = q.key[0];
    if (k === undefined || q.key.length !== 1) {
      throw new TminusError('INTERNAL', 'range queries need one key column');
    }
    return k;
  }

  private cond(q: TableQuery, range: KeyRange): Cond {
    const parts: string[] = [];
    const values: unknown[] = [];
    if (range.lo !== null || range.hi !== null) {
      const k = myIdent(this.singleKey(q));
      if (range.lo !== null) {
        parts.push(`${k} >= ?`);
        values.push(range.lo.toString());
      }
      if (range.hi !== null) {
        parts.push(`${k} < ?`);
        values.push(range.hi.toString());
      }
    }
    if (range.within?.length) {
      const k = myIdent(this.singleKey(q));
      parts.push(`(${range.within.map(() => `(${k} >= ? AND ${k} < ?)`).join(' OR ')})`);
      for (const r of range.within) values.push(r.lo.toString(), r.hi.toString());
    }
    if (q.where) parts.push(`(${q.where})`);
    return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', values };
  }

  private async run<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    try {
      return await this.runRaw<T>(sql, values);
    } catch (error) {
      throw new TminusError('DATA_QUERY', `${this.label}: ${redactUrls(messageOf(error))}`, { cause: error });
    }
  }

  private async runArray(sql: string, values: unknown[]): Promise<(string | null)[][]> {
    try {
      return await new Promise((resolve, reject) =>
        this.pool.query({ sql, rowsAsArray: true }, values, (error, rows) =>
          error ? reject(error) : resolve(rows as (string | null)[][]),
        ),
      );
    } catch (error) {
      throw new TminusError('DATA_QUERY', `${this.label}: ${redactUrls(messageOf(error))}`, { cause: error });
    }
  }

  private runRaw<T>(sql: string, values: unknown[]): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.pool.query({ sql }, values, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
    );
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error
    ? error.message || (error as { code?: string }).code || error.name
    : String(error);
}
