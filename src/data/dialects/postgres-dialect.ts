import { createRequire } from 'node:module';
import pg from 'pg';
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
import { pgIdent, postgresKeyHashSql, postgresRowHashSql, postgresValueSql } from './postgres-render.js';

/** The part of a pg-cursor the dialect uses (the package ships no types). */
interface CursorLike {
  read(rows: number): Promise<unknown[]>;
  close(): Promise<void>;
}
const Cursor = createRequire(import.meta.url)('pg-cursor') as new (
  text: string,
  values: unknown[],
  config: { rowMode: 'array' },
) => CursorLike & pg.Submittable;

/** Rows fetched per round trip when a query is streamed. */
const STREAM_BATCH = 2_000;

const KINDS: Readonly<Record<string, ColumnKind>> = {
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

interface Cond {
  sql: string;
  values: unknown[];
}

/** PostgreSQL: canonical rendering and hashing run inside the server; sessions in UTC. */
export class PostgresDialect implements Dialect {
  readonly engine = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    readonly label: string,
    readonly version: string,
  ) {}

  /** Opens a pool of `connections` sessions and checks that the server answers. */
  static async open(url: string, label: string, connections: number): Promise<PostgresDialect> {
    const pool = new pg.Pool({
      connectionString: url,
      max: Math.max(1, connections),
      connectionTimeoutMillis: 10_000,
      application_name: 'tminus',
      // No JIT: checksum queries are simple expressions over a scan, and compiling them costs more than it saves
      // (tens of ms per query on a loaded machine, over 100 ms for a narrowing query the planner misestimates).
      options: '-c TimeZone=UTC -c extra_float_digits=1 -c client_encoding=UTF8 -c DateStyle=ISO -c jit=off',
    });
    pool.on('error', () => undefined); // idle-client errors surface on the next query instead
    try {
      const r = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
      return new PostgresDialect(pool, label, r.rows[0]?.v ?? '?');
    } catch (error) {
      await pool.end().catch(() => undefined);
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
      `SELECT table_name AS t FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    return r.map((x) => x.t);
  }

  async describeTable(table: string): Promise<TableInfo | undefined> {
    const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
    const cols = await this.run<{
      column_name: string;
      data_type: string;
      udt_name: string;
      numeric_scale: number | null;
      datetime_precision: number | null;
      is_nullable: string;
    }>(
      `SELECT column_name, data_type, udt_name, numeric_scale, datetime_precision, is_nullable
         FROM information_schema.columns
        WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position`,
      [schema ?? null, name],
    );
    if (cols.length === 0) return undefined;
    const pk = await this.run<{ a: string }>(
      `SELECT a.attname AS a FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [pgIdent(table)],
    );
    const columns: ColumnInfo[] = cols.map((c) => ({
      name: c.column_name,
      nativeType: c.data_type === 'USER-DEFINED' ? c.udt_name : c.data_type,
      kind: KINDS[c.data_type] ?? KINDS[c.udt_name] ?? 'other',
      nullable: c.is_nullable === 'YES',
      scale: c.numeric_scale ?? undefined,
      fractionDigits: c.datetime_precision ?? undefined,
      singlePrecision: c.data_type === 'real',
    }));
    return { name: table, columns, primaryKey: pk.map((p) => p.a) };
  }

  async count(q: TableQuery): Promise<bigint> {
    const cond = this.cond(q, { lo: null, hi: null });
    const r = await this.run<{ c: string }>(
      `SELECT count(*)::text AS c FROM ${pgIdent(q.table)}${cond.sql}`,
      cond.values,
    );
    return BigInt(r[0]?.c ?? '0');
  }

  async estimateRows(q: TableQuery): Promise<number> {
    const r = await this.run<{ n: string }>(
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
        await this.pool.query(probe);
      } catch (error) {
        if ((error as { code?: string }).code !== '42883') throw queryError(this.label, error);
        out.push(s.column);
      }
    }
    return out;
  }

  async keyBounds(q: TableQuery): Promise<{ min: bigint; max: bigint } | null> {
    const k = pgIdent(this.singleKey(q));
    const cond = this.cond(q, { lo: null, hi: null });
    const r = await this.runArray(
      `SELECT min(${k})::text, max(${k})::text FROM ${pgIdent(q.table)}${cond.sql}`,
      cond.values,
    );
    const [min, max] = r[0] ?? [];
    return min === null || min === undefined || max === null || max === undefined
      ? null
      : { min: BigInt(min), max: BigInt(max) };
  }

  async scanLayout(q: TableQuery): Promise<ScanLayout> {
    // TID range scans arrived in PostgreSQL 14.
    if (Number(/^\d+/.exec(this.version)?.[0] ?? 0) < 14) return { by: 'keys' };
    const r = await this.runArray(
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
  ): Promise<Map<number, Checksum>> {
    if (!native && hashesInTminus(q)) {
      return groupChecksumsOf(this.renderedRows(q, range), keyIndexes(q)[0] ?? 0, origin, width);
    }
    const cond = this.cond(q, range);
    const k = pgIdent(this.singleKey(q));
    const h = native ? this.nativeHashSql(q) : postgresRowHashSql(q.specs);
    const p = cond.values.length;
    // Grouped by a bigint (never text): a hash aggregate of a few thousand groups, far below work_mem.
    const r = await this.runArray(
      `SELECT g::text, c::text, s::text FROM (SELECT (${k} - $${p + 1}::bigint) / $${p + 2}::bigint AS g,
        count(*) AS c, sum(${h}) AS s FROM ${pgIdent(q.table)}${cond.sql} GROUP BY 1) z`,
      [...cond.values, origin.toString(), width.toString()],
    );
    return new Map(r.map((x) => [Number(x[0]), { count: BigInt(x[1] ?? '0'), sum: BigInt(x[2] ?? '0') }]));
  }

  async boundary(q: TableQuery, range: KeyRange, step: number): Promise<bigint | null> {
    const k = pgIdent(this.singleKey(q));
    const cond = this.cond(q, range);
    const r = await this.run<{ k: string }>(
      `SELECT ${k}::text AS k FROM ${pgIdent(q.table)}${cond.sql} ORDER BY ${k} OFFSET ${Math.floor(step)} LIMIT 1`,
      cond.values,
    );
    return r[0] === undefined ? null : BigInt(r[0].k);
  }

  async rows(q: TableQuery, range: KeyRange): Promise<CanonicalRow[]> {
    const cond = this.cond(q, range);
    const sql = `SELECT ${this.valuesSql(q)} FROM ${pgIdent(q.table)}${cond.sql} ORDER BY ${pgIdent(this.singleKey(q))}`;
    return this.canonicalRows(q, sql, cond.values);
  }

  async bucketChecksums(q: TableQuery, bits: number, parent?: Bucket): Promise<Map<number, Checksum>> {
    if (hashesInTminus(q)) {
      return bucketChecksumsOf(this.renderedRows(q, { lo: null, hi: null }), keyIndexes(q), bits, parent);
    }
    const cond = this.cond(q, { lo: null, hi: null });
    const keyIdx = q.specs.filter((s) => q.key.includes(s.column));
    const inner = `SELECT ${postgresKeyHashSql(keyIdx)} AS kh, ${postgresRowHashSql(q.specs)} AS h FROM ${pgIdent(q.table)}${cond.sql}`;
    const filter = parent ? ` WHERE (kh >> ${32 - parent.bits}) = ${parent.value}` : '';
    const r = await this.run<{ b: string; c: string; s: string }>(
      `SELECT (kh >> ${32 - bits})::text AS b, count(*)::text AS c, sum(h)::text AS s FROM (${inner}) z${filter} GROUP BY 1`,
      cond.values,
    );
    return new Map(r.map((x) => [Number(x.b), { count: BigInt(x.c), sum: BigInt(x.s) }]));
  }

  async bucketRows(q: TableQuery, bits: number, buckets: readonly number[]): Promise<CanonicalRow[]> {
    const cond = this.cond(q, { lo: null, hi: null });
    const keyIdx = q.specs.filter((s) => q.key.includes(s.column));
    const values = q.specs.map((s, i) => `${postgresValueSql(s)} AS c${i}`).join(', ');
    const inner = `SELECT ${postgresKeyHashSql(keyIdx)} AS kh, ${values} FROM ${pgIdent(q.table)}${cond.sql}`;
    const cols = q.specs.map((_, i) => `c${i}`).join(', ');
    const p = cond.values.length + 1;
    const sql = `SELECT ${cols} FROM (${inner}) z WHERE (kh >> ${32 - bits}) = ANY($${p}::bigint[])`;
    return this.canonicalRows(q, sql, [...cond.values, buckets.map(String)]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs a statement as-is (used by `data.sync-wait`). */
  async query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    return this.run<T>(sql, values);
  }

  private async sumOf(q: TableQuery, range: KeyRange, hash: string): Promise<Checksum> {
    const cond = this.cond(q, range);
    const r = await this.run<{ c: string; s: string }>(
      `SELECT count(*)::text AS c, coalesce(sum(${hash}), 0)::text AS s FROM ${pgIdent(q.table)}${cond.sql}`,
      cond.values,
    );
    return { count: BigInt(r[0]?.c ?? '0'), sum: BigInt(r[0]?.s ?? '0') };
  }

  private valuesSql(q: TableQuery): string {
    return q.specs.map((s, i) => `${postgresValueSql(s)} AS c${i}`).join(', ');
  }

  private async canonicalRows(q: TableQuery, sql: string, values: unknown[]): Promise<CanonicalRow[]> {
    const rows = await this.runArray(sql, values);
    return rows.map((v) => toCanonicalRow(q, finishRendered(q, v)));
  }

  /** The rendered rows of a range, streamed (for checksums computed in tminus). */
  private async *renderedRows(q: TableQuery, range: KeyRange): AsyncGenerator<RenderedValues> {
    const cond = this.cond(q, range);
    const sql = `SELECT ${this.valuesSql(q)} FROM ${pgIdent(q.table)}${cond.sql}`;
    for await (const v of this.stream(sql, cond.values)) yield finishRendered(q, v);
  }

  /** Streams a query's rows through a cursor, so memory stays flat whatever the range size. */
  private async *stream(text: string, values: unknown[]): AsyncGenerator<RenderedValues> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw queryError(this.label, error);
    }
    const cursor = client.query(new Cursor(text, values, { rowMode: 'array' }));
    try {
      for (;;) {
        let rows: unknown[];
        try {
          rows = await cursor.read(STREAM_BATCH);
        } catch (error) {
          throw queryError(this.label, error);
        }
        if (rows.length === 0) break;
        for (const r of rows) yield r as RenderedValues;
      }
    } finally {
      await cursor.close().catch(() => undefined);
      client.release();
    }
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
    if (range.pages) {
      parts.push(`ctid >= $${values.push(`(${range.pages.from},0)`)}::tid`);
      if (range.pages.to !== null) parts.push(`ctid < $${values.push(`(${range.pages.to},0)`)}::tid`);
    }
    if (range.lo !== null || range.hi !== null) {
      const k = pgIdent(this.singleKey(q));
      if (range.lo !== null) parts.push(`${k} >= $${values.push(range.lo.toString())}`);
      if (range.hi !== null) parts.push(`${k} < $${values.push(range.hi.toString())}`);
    }
    if (range.within?.length) {
      const k = pgIdent(this.singleKey(q));
      const any = range.within.map(
        (r) => `(${k} >= $${values.push(r.lo.toString())} AND ${k} < $${values.push(r.hi.toString())})`,
      );
      parts.push(`(${any.join(' OR ')})`);
    }
    if (q.where) parts.push(`(${q.where})`);
    return { sql: parts.length ? ` WHERE ${parts.join(' AND ')}` : '', values };
  }

  private async run<T>(text: string, values: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query({ text, values })).rows as T[];
    } catch (error) {
      throw queryError(this.label, error);
    }
  }

  private async runArray(text: string, values: unknown[]): Promise<(string | null)[][]> {
    try {
      return (await this.pool.query({ text, values, rowMode: 'array' })).rows as (string | null)[][];
    } catch (error) {
      throw queryError(this.label, error);
    }
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error ? error.message || error.constructor.name : String(error);
}

function queryError(label: string, error: unknown): TminusError {
  return new TminusError('DATA_QUERY', `${label}: ${redactUrls(messageOf(error))}`, { cause: error });
}
