import { TminusError } from '../core/tminus-error.js';
import { redactUrls } from './connection-url.js';
import type { Bucket, CanonicalRow, KeyRange, TableQuery } from './dialect.js';
import type { RenderedValues } from './tminus-hashing.js';
import { finishRendered, toCanonicalRow } from './tminus-hashing.js';

/*
 * The query shapes every engine runs, written once; each engine's folder parameterises them with its SQL
 * flavour (identifier quoting, placeholders, integer division, casts).
 */

/** What differs between engines in the shared query shapes. */
export interface SqlFlavour {
  ident(name: string): string;
  /** The placeholder of the `n`-th bound value (1-based): `$n` on PostgreSQL, `?` elsewhere. */
  placeholder(n: number): string;
  /** How a key bound is bound: as text on the network engines (exact for any bigint), as bigint on SQLite. */
  bindKey(value: bigint): unknown;
  /** A bound integer parameter in an arithmetic expression (PostgreSQL needs its type). */
  intParam(placeholder: string): string;
  /** Integer division of two integer expressions. */
  intDiv(a: string, b: string): string;
  /** An aggregate or expression returned as text (exact bigints and numerics whatever the driver). */
  text(expr: string): string;
  /** The condition selecting a heap page range, on engines that read by pages (PostgreSQL). */
  pages?(range: NonNullable<KeyRange['pages']>, bind: Binder): string[];
  /** A suffix after GROUP BY (MySQL: `ORDER BY NULL`, no sort). */
  readonly groupSuffix?: string;
}

/** Collects bound values in textual order and hands out their placeholders. */
export class Binder {
  readonly values: unknown[] = [];
  constructor(private readonly flavour: SqlFlavour) {}
  bind(value: unknown): string {
    return this.flavour.placeholder(this.values.push(value));
  }
}

/** The single key column of a range query. */
export function singleKey(q: TableQuery): string {
  const k = q.key[0];
  if (k === undefined || q.key.length !== 1) {
    throw new TminusError('INTERNAL', 'range queries need one key column');
  }
  return k;
}

/** ` WHERE …` for a range (pages, key bounds, key ranges within) and the operator's filter; '' when none. */
export function rangeCondition(f: SqlFlavour, q: TableQuery, range: KeyRange, b: Binder): string {
  const parts: string[] = [];
  if (range.pages && f.pages) parts.push(...f.pages(range.pages, b));
  if (range.lo !== null || range.hi !== null) {
    const k = f.ident(singleKey(q));
    if (range.lo !== null) parts.push(`${k} >= ${b.bind(f.bindKey(range.lo))}`);
    if (range.hi !== null) parts.push(`${k} < ${b.bind(f.bindKey(range.hi))}`);
  }
  if (range.within?.length) {
    const k = f.ident(singleKey(q));
    const any = range.within.map(
      (r) => `(${k} >= ${b.bind(f.bindKey(r.lo))} AND ${k} < ${b.bind(f.bindKey(r.hi))})`,
    );
    parts.push(`(${any.join(' OR ')})`);
  }
  if (q.where) parts.push(`(${q.where})`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/** A statement and its bound values. */
export interface BoundSql {
  readonly sql: string;
  readonly values: unknown[];
}

/** Row count and sum of a row hash over a range. */
export function checksumSql(f: SqlFlavour, q: TableQuery, range: KeyRange, hash: string): BoundSql {
  const b = new Binder(f);
  const where = rangeCondition(f, q, range, b);
  return {
    sql: `SELECT ${f.text('count(*)')}, ${f.text(`coalesce(sum(${hash}), 0)`)} FROM ${f.ident(q.table)}${where}`,
    values: b.values,
  };
}

/** Row count of a side (with the operator's filter). */
export function countSql(f: SqlFlavour, q: TableQuery): BoundSql {
  const b = new Binder(f);
  const where = rangeCondition(f, q, { lo: null, hi: null }, b);
  return { sql: `SELECT ${f.text('count(*)')} FROM ${f.ident(q.table)}${where}`, values: b.values };
}

/** The lowest and highest key of a single integer key. */
export function keyBoundsSql(f: SqlFlavour, q: TableQuery): BoundSql {
  const b = new Binder(f);
  const k = f.ident(singleKey(q));
  const where = rangeCondition(f, q, { lo: null, hi: null }, b);
  return {
    sql: `SELECT ${f.text(`min(${k})`)}, ${f.text(`max(${k})`)} FROM ${f.ident(q.table)}${where}`,
    values: b.values,
  };
}

/**
 * Count and sum per group of `width` consecutive key values from `origin`. Grouped by position (`GROUP BY 1`),
 * never by an alias: MySQL resolves a GROUP BY name to a table column first, so an alias a column shares would
 * group by that column. Grouped by an integer, never text: a hash aggregate of a few thousand small groups.
 */
export function groupChecksumSql(
  f: SqlFlavour,
  q: TableQuery,
  range: KeyRange,
  origin: bigint,
  width: bigint,
  hash: string,
): BoundSql {
  const b = new Binder(f);
  const k = f.ident(singleKey(q));
  const group = f.intDiv(
    `${k} - ${f.intParam(b.bind(origin.toString()))}`,
    f.intParam(b.bind(width.toString())),
  );
  const where = rangeCondition(f, q, range, b);
  return {
    sql: `SELECT ${group}, count(*), sum(${hash}) FROM ${f.ident(q.table)}${where} GROUP BY 1${f.groupSuffix ?? ''}`,
    values: b.values,
  };
}

/** The key `step` rows after the start of a range, in key order. */
export function boundarySql(f: SqlFlavour, q: TableQuery, range: KeyRange, step: number): BoundSql {
  const b = new Binder(f);
  const k = f.ident(singleKey(q));
  const where = rangeCondition(f, q, range, b);
  return {
    sql: `SELECT ${f.text(k)} FROM ${f.ident(q.table)}${where} ORDER BY ${k} LIMIT 1 OFFSET ${Math.floor(step)}`,
    values: b.values,
  };
}

/** Rows of a range rendered by `values` (one expression per compared column), in key order or unordered. */
export function rowsSql(
  f: SqlFlavour,
  q: TableQuery,
  range: KeyRange,
  values: readonly string[],
  ordered: boolean,
): BoundSql {
  const b = new Binder(f);
  const where = rangeCondition(f, q, range, b);
  const order = ordered ? ` ORDER BY ${f.ident(singleKey(q))}` : '';
  return { sql: `SELECT ${values.join(', ')} FROM ${f.ident(q.table)}${where}${order}`, values: b.values };
}

/** Count and sum per key-hash bucket (`bits` high bits of the 32-bit key hash), optionally in one parent. */
export function bucketChecksumSql(
  f: SqlFlavour,
  q: TableQuery,
  keyHash: string,
  rowHash: string,
  bits: number,
  parent: Bucket | undefined,
): BoundSql {
  const b = new Binder(f);
  const where = rangeCondition(f, q, { lo: null, hi: null }, b);
  const inner = `SELECT ${keyHash} AS kh, ${rowHash} AS h FROM ${f.ident(q.table)}${where}`;
  const filter = parent ? ` WHERE (kh >> ${32 - parent.bits}) = ${parent.value}` : '';
  return {
    sql: `SELECT kh >> ${32 - bits}, count(*), sum(h) FROM (${inner}) z${filter} GROUP BY 1`,
    values: b.values,
  };
}

/** Rows (rendered by `values`) whose key hash falls in one of the buckets; `inList` binds the bucket list. */
export function bucketRowsSql(
  f: SqlFlavour,
  q: TableQuery,
  keyHash: string,
  values: readonly string[],
  bits: number,
  inList: (b: Binder) => string,
): BoundSql {
  const b = new Binder(f);
  const where = rangeCondition(f, q, { lo: null, hi: null }, b);
  const cols = values.map((v, i) => `${v} AS c${i}`).join(', ');
  const inner = `SELECT ${keyHash} AS kh, ${cols} FROM ${f.ident(q.table)}${where}`;
  const names = values.map((_, i) => `c${i}`).join(', ');
  return {
    sql: `SELECT ${names} FROM (${inner}) z WHERE (kh >> ${32 - bits}) ${inList(b)}`,
    values: b.values,
  };
}

/** Group or bucket checksums as a driver returns them: `[group, count, sum]` rows. */
export function checksumMap(rows: readonly (readonly unknown[])[]) {
  return new Map(
    rows.map((x) => [
      Number(x[0]),
      { count: BigInt((x[1] as string | null) ?? '0'), sum: BigInt((x[2] as string | null) ?? '0') },
    ]),
  );
}

/** Downloaded rows, finished (JSON canonicalised) and keyed. */
export function canonicalRowsOf(q: TableQuery, rows: readonly RenderedValues[]): CanonicalRow[] {
  return rows.map((v) => toCanonicalRow(q, finishRendered(q, v)));
}

/** The message of a driver error (the first of an AggregateError, the code when there is no message). */
export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  return error instanceof Error
    ? error.message || (error as { code?: string }).code || error.name
    : String(error);
}

/** A failed query as the report shows it: the side's label and the driver's message, any URL redacted. */
export function queryError(label: string, error: unknown): TminusError {
  return new TminusError('DATA_QUERY', `${label}: ${redactUrls(messageOf(error))}`, { cause: error });
}

/**
 * The server's version, asked on a driver just opened; when that fails, the driver is closed and the error
 * says which side could not be reached (credentials in URLs redacted).
 */
export async function serverVersion(
  driver: { query<T>(text: string): Promise<T[]>; close(): Promise<void> },
  label: string,
  sql: string,
): Promise<string> {
  try {
    const r = await driver.query<{ v: string }>(sql);
    return r[0]?.v ?? '?';
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw new TminusError('DATA_CONNECTION', `cannot connect to ${label}: ${redactUrls(messageOf(error))}`, {
      cause: error,
    });
  }
}
