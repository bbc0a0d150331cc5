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
import { MysqlDriver } from './mysql-driver.js';
import { MYSQL_FLAVOUR as F, mysqlKeyHashSql, mysqlRowHashSql, mysqlValueSql } from './mysql-render.js';

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

/** MySQL and MariaDB: canonical rendering and hashing inside the server; sessions in UTC and utf8mb4. */
export class MysqlDialect implements Dialect {
  readonly engine = 'mysql' as const;

  private readonly sql: SideQueries;

  private constructor(
    private readonly driver: MysqlDriver,
    readonly label: string,
    readonly version: string,
  ) {
    this.sql = new SideQueries(driver, label);
  }

  static async open(url: string, label: string, connections: number): Promise<MysqlDialect> {
    const driver = new MysqlDriver(url, {
      connections,
      // One round trip before a session's first statement: UTC and utf8mb4 decide every rendering.
      sessionSql: `SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_bin`,
      typeOptions: {
        charset: 'UTF8MB4_BIN',
        decimalNumbers: false,
        // Every value is canonical text rendered in SQL: mysql2 would otherwise parse a column it sees as
        // JSON, turning JSON `null` into SQL NULL and objects into values that never compare equal.
        jsonStrings: true,
      },
    });
    return new MysqlDialect(driver, label, await serverVersion(driver, label, 'SELECT VERSION() AS v'));
  }

  async listTables(): Promise<string[]> {
    const r = await this.sql.run<{ t: string }>(
      `SELECT TABLE_NAME AS t FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
    );
    return r.map((x) => x.t);
  }

  async describeTable(table: string): Promise<TableInfo | undefined> {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : [null, table];
    const cols = await this.sql.run<{
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
    const pk = await this.sql.run<{ n: string }>(
      `SELECT COLUMN_NAME AS n FROM information_schema.KEY_COLUMN_USAGE
        WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
        ORDER BY ORDINAL_POSITION`,
      [schema, name],
    );
    // MariaDB's JSON is LONGTEXT with a `json_valid(col)` check; MySQL's is a type of its own.
    const checks = await this.sql
      .run<{ c: string }>(
        `SELECT CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS
        WHERE CONSTRAINT_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
        [schema, name],
      )
      .catch(() => [] as { c: string }[]);
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
    const r = await this.sql.bound(countSql(F, q));
    return BigInt(r[0]?.[0] ?? '0');
  }

  async estimateRows(q: TableQuery): Promise<number> {
    const [schema, name] = q.table.includes('.') ? q.table.split('.', 2) : [null, q.table];
    const r = await this.sql.arrays(
      `SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
      [schema, name],
    );
    return Math.max(0, Number(r[0]?.[0] ?? 0));
  }

  async checksum(q: TableQuery, range: KeyRange): Promise<Checksum> {
    if (hashesInTminus(q)) return checksumOf(this.renderedRows(q, range));
    const r = await this.sql.bound(checksumSql(F, q, range, mysqlRowHashSql(q.specs)));
    return { count: BigInt(r[0]?.[0] ?? '0'), sum: BigInt(r[0]?.[1] ?? '0') };
  }

  async keyBounds(q: TableQuery): Promise<{ min: bigint; max: bigint } | null> {
    const r = await this.sql.bound(keyBoundsSql(F, q));
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
    const sql = groupChecksumSql(F, q, range, origin, width, mysqlRowHashSql(q.specs));
    return checksumMap(await this.sql.bound(sql));
  }

  async boundary(q: TableQuery, range: KeyRange, step: number): Promise<bigint | null> {
    const v = (await this.sql.bound(boundarySql(F, q, range, step)))[0]?.[0];
    return v === undefined || v === null ? null : BigInt(v);
  }

  async rows(q: TableQuery, range: KeyRange): Promise<CanonicalRow[]> {
    return canonicalRowsOf(q, await this.sql.bound(rowsSql(F, q, range, this.valuesSql(q), true)));
  }

  async bucketChecksums(q: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>> {
    if (hashesInTminus(q)) {
      return bucketChecksumsOf(this.renderedRows(q, { lo: null, hi: null }), keyIndexes(q), bits, parent);
    }
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const sql = bucketChecksumSql(F, q, mysqlKeyHashSql(keySpecs), mysqlRowHashSql(q.specs), bits, parent);
    return checksumMap(await this.sql.bound(sql));
  }

  async bucketRows(q: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]> {
    const keySpecs = q.specs.filter((s) => q.key.includes(s.column));
    const sql = bucketRowsSql(
      F,
      q,
      mysqlKeyHashSql(keySpecs),
      this.valuesSql(q),
      bits,
      (b) => `IN (${b.bind(buckets.length ? [...buckets] : [-1])})`,
    );
    return canonicalRowsOf(q, await this.sql.bound(sql));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  private valuesSql(q: TableQuery): string[] {
    return q.specs.map((s) => mysqlValueSql(s));
  }

  /** The rendered rows of a range, streamed (for checksums computed in tminus). */
  private renderedRows(q: TableQuery, range: KeyRange): AsyncGenerator<RenderedValues> {
    return this.sql.rendered(q, rowsSql(F, q, range, this.valuesSql(q), false));
  }
}
