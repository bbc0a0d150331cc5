import { createRequire } from 'node:module';
import pg from 'pg';
import mysql from 'mysql2/promise';

/**
 * The type-edge corpus: values that trip cross-engine comparisons (NULL vs '' vs NULL markers, separators,
 * trailing spaces, 4-byte UTF-8, decimal scales 0–10, float edges, timestamps at precisions 0/3/6 on rounding
 * boundaries, booleans vs tinyint(1), UUID case, binary). The same logical rows are loaded into each engine.
 */
export interface EdgeRow {
  id: number;
  t_text: string | null;
  t_var: string | null;
  t_char: string | null;
  d0: string | null;
  d2: string | null;
  d5: string | null;
  d10: string | null;
  f8: number | null;
  f4: number | null;
  ts0: string | null;
  ts3: string | null;
  ts6: string | null;
  tstz: string | null;
  dt: string | null;
  b: boolean | null;
  u: string | null;
  bin: Buffer | null;
  /** JSON text (the spelling varies by variant), or null for SQL NULL. */
  j: string | null;
  jb: string | null;
}

/** Which spelling of each JSON document a database gets: the two spell the same values differently. */
export type JsonVariant = 'a' | 'b';

const TEXTS = [
  null,
  '',
  '-',
  '<null>',
  'NULL',
  '\\N',
  '|',
  'a|b',
  '1:x',
  '0:',
  'trailing  ',
  '  leading',
  'emoji 😀',
  '𝄞 clef',
  'éàü',
  'quote \' " `',
  'tab\tnl\n',
  '中文字符',
  ',;#',
  '-1:-',
];
const DECIMALS: [string, string, string, string][] = [
  ['0', '0.00', '0.00000', '0.0000000000'],
  ['-1', '-0.01', '-0.00001', '-0.0000000001'],
  ['9999999999', '9999999999.99', '9999999999.99999', '9999999999.9999999999'],
  ['42', '12.50', '3.14159', '0.1234567891'],
  ['-42', '-12.50', '-3.14159', '-1.0000000000'],
];
const FLOATS = [
  0.1,
  1e20,
  1e-300,
  1e300,
  -0,
  123456789012.34567,
  2.5e-7,
  1.7976931348623157e308,
  0.30000000000000004,
  -1.5,
  5e-324,
  123.456,
  1 / 3,
  -2.2250738585072014e-308,
  1e15,
  9007199254740992,
];
const FLOATS4 = [123456.7, 0.1, -3.5, 1e10, 16777217, 0.333333];
const TS0 = ['2024-02-29 23:59:59', '1999-12-31 23:59:59', '2000-01-01 00:00:00', '1970-01-01 00:00:01'];
const TS3 = [
  '2024-12-31 23:59:59.999',
  '2000-01-01 00:00:00.001',
  '2020-06-15 12:30:45.500',
  '2021-01-01 00:00:00.000',
];
const TS6 = [
  '1999-12-31 23:59:59.999999',
  '2000-01-01 00:00:00.000001',
  '2024-07-01 08:00:00.500000',
  '2038-01-19 03:14:07.999999',
];
const UUIDS = [
  '6F9619FF-8B86-D011-B42D-00C04FC964FF',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '00000000-0000-0000-0000-000000000000',
];

/**
 * JSON documents equal by value, spelled two ways: key order, spacing, number spelling (`1.0` vs `1`, `1e2` vs
 * `100`), unicode escapes, nested arrays and objects. Index 6 is JSON `null` (not SQL NULL).
 */
export const JSON_PAIRS: readonly (readonly [string, string])[] = [
  ['{"b":1,"a":[true,false,null]}', '{"a": [true, false, null], "b": 1}'],
  ['[1,2,3]', '[1, 2, 3]'],
  ['{}', '{ }'],
  ['[]', '[ ]'],
  ['"text"', ' "text" '],
  ['123', '123.0'],
  ['null', 'null'],
  ['1.0', '1'],
  ['{"n":1e2}', '{"n": 100}'],
  ['"\\u00e9t\\u00e9"', '"été"'],
  ['{"a":{"c":[{"y":2,"x":1}],"b":null}}', '{"a": {"b": null, "c": [{"x": 1, "y": 2}]}}'],
  ['[[1,[2,[3]]],[]]', '[ [1, [2, [3]]], [] ]'],
  ['{"s":"a\\"b\\\\c\\n"}', '{"s": "a\\u0022b\\u005cc\\u000a"}'],
  ['{"z":-0}', '{"z": 0}'],
  ['12345678901234567890', '12345678901234567890.00'],
  ['{"emoji":"😀","k":"\\ud83d\\ude00"}', '{"k": "😀", "emoji": "\\ud83d\\ude00"}'],
  ['true', 'true'],
  ['""', '""'],
  ['{"a":1,"b":2,"c":3}', '{"c":3,"b":2,"a":1}'],
  ['[1e-7,-2.50]', '[0.0000001, -2.5]'],
  ['"[1,2]"', '"[1,2]"'],
  ['{"k":"{}"}', '{"k": "{}"}'],
  ['[{"a":null},{"a":"null"}]', '[{"a": null}, {"a": "null"}]'],
];

/** The corpus rows: every edge value appears, in several combinations, with NULLs sprinkled in. */
export function edgeRows(variant: JsonVariant = 'a'): EdgeRow[] {
  const json = (i: number) => JSON_PAIRS[i % JSON_PAIRS.length]![variant === 'a' ? 0 : 1];
  const rows: EdgeRow[] = [];
  for (let i = 0; i < 60; i++) {
    const dec = DECIMALS[i % DECIMALS.length]!;
    const nul = i % 11 === 5;
    rows.push({
      id: i * 7 + 1,
      t_text: TEXTS[i % TEXTS.length] ?? null,
      t_var: TEXTS[(i * 3 + 1) % TEXTS.length] ?? null,
      t_char: nul ? null : ['ab', '', 'x y', 'Zz'][i % 4]!,
      d0: nul ? null : dec[0],
      d2: dec[1],
      d5: nul ? null : dec[2],
      d10: dec[3],
      f8: nul ? null : FLOATS[i % FLOATS.length]!,
      f4: nul ? null : FLOATS4[i % FLOATS4.length]!,
      ts0: nul ? null : TS0[i % TS0.length]!,
      ts3: TS3[i % TS3.length]!,
      ts6: nul ? null : TS6[i % TS6.length]!,
      tstz: nul ? null : TS6[(i + 1) % TS6.length]!,
      dt: nul ? null : TS0[(i + 2) % TS0.length]!.slice(0, 10),
      b: nul ? null : i % 3 === 0,
      u: nul ? null : UUIDS[i % UUIDS.length]!,
      bin: nul ? null : Buffer.from([i, 0, 255, 10, 13, 0x7c].slice(0, (i % 6) + 1)),
      j: nul ? null : json(i),
      jb: i % 13 === 4 ? null : json(i * 7 + 3),
    });
  }
  return rows;
}

/** Creates and fills `edge` in a PostgreSQL database (`j` is `json`, kept as written; `jb` is `jsonb`). */
export async function loadEdgePostgres(url: string, rows: EdgeRow[] = edgeRows()): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE edge (
      id bigint PRIMARY KEY, t_text text, t_var varchar(50), t_char char(10), d0 numeric(10,0), d2 numeric(12,2),
      d5 numeric(15,5), d10 numeric(20,10), f8 double precision, f4 real, ts0 timestamp(0), ts3 timestamp(3),
      ts6 timestamp(6), tstz timestamptz(6), dt date, b boolean, u uuid, bin bytea, j json, jb jsonb)`);
    for (const r of rows) {
      await c.query(
        `INSERT INTO edge VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
        [
          r.id,
          r.t_text,
          r.t_var,
          r.t_char,
          r.d0,
          r.d2,
          r.d5,
          r.d10,
          floatText(r.f8),
          floatText(r.f4),
          r.ts0,
          r.ts3,
          r.ts6,
          r.tstz === null ? null : `${r.tstz}+00`,
          r.dt,
          r.b,
          r.u,
          r.bin,
          r.j,
          r.jb,
        ],
      );
    }
  } finally {
    await c.end();
  }
}

/** Creates and fills `edge` in a MariaDB database (booleans as tinyint(1), UUIDs as upper-case char(36)). */
export async function loadEdgeMariadb(url: string, rows: EdgeRow[] = edgeRows()): Promise<void> {
  const c = await mysql.createConnection({ uri: url, charset: 'UTF8MB4_BIN' });
  try {
    await c.query(`SET time_zone = '+00:00'`);
    await c.query(`CREATE TABLE edge (
      id bigint PRIMARY KEY, t_text text, t_var varchar(50), t_char char(10), d0 decimal(10,0), d2 decimal(12,2),
      d5 decimal(15,5), d10 decimal(20,10), f8 double, f4 float, ts0 datetime(0), ts3 datetime(3),
      ts6 datetime(6), tstz timestamp(6) NULL, dt date, b tinyint(1), u char(36), bin varbinary(16), j json,
      jb json
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    for (const r of rows) {
      await c.query(`INSERT INTO edge VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, [
        r.id,
        r.t_text,
        r.t_var,
        r.t_char,
        r.d0,
        r.d2,
        r.d5,
        r.d10,
        r.f8,
        r.f4,
        r.ts0,
        r.ts3,
        r.ts6,
        r.tstz,
        r.dt,
        r.b === null ? null : r.b ? 1 : 0,
        r.u?.toUpperCase() ?? null,
        r.bin,
        r.j,
        r.jb,
      ]);
    }
  } finally {
    await c.end();
  }
}

interface SqliteDb {
  exec(sql: string): void;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  close(): void;
}
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => SqliteDb;

/** Creates and fills `edge` in a SQLite file (timestamps as ISO text, booleans as 0/1). */
export function loadEdgeSqlite(path: string, rows: EdgeRow[] = edgeRows()): void {
  const db = new SqliteDatabase(path);
  try {
    db.exec(`CREATE TABLE edge (
      id INTEGER PRIMARY KEY, t_text TEXT, t_var VARCHAR(50), t_char CHAR(10), d0 NUMERIC(10,0), d2 NUMERIC(12,2),
      d5 NUMERIC(15,5), d10 DECIMAL_TEXT(20,10), f8 DOUBLE, f4 REAL, ts0 DATETIME(0), ts3 DATETIME(3), ts6 DATETIME(6),
      tstz TIMESTAMPTZ, dt DATE, b BOOLEAN, u UUID, bin BLOB, j TEXT, jb JSON TEXT)`);
    const insert = db.prepare(`INSERT INTO edge VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    for (const r of rows) {
      insert.run(
        r.id,
        r.t_text,
        r.t_var,
        r.t_char?.replace(/ +$/, '') ?? null,
        r.d0,
        r.d2,
        r.d5,
        r.d10,
        r.f8,
        r.f4 === null ? null : Math.fround(r.f4),
        r.ts0,
        r.ts3,
        r.ts6,
        r.tstz === null ? null : `${r.tstz.replace(' ', 'T')}Z`,
        r.dt,
        r.b === null ? null : r.b ? 1 : 0,
        r.u?.toUpperCase() ?? null,
        r.bin,
        r.j,
        r.jb,
      );
    }
  } finally {
    db.close();
  }
}

function floatText(v: number | null): string | null {
  if (v === null) return null;
  return Object.is(v, -0) ? '-0' : String(v);
}

/** What comparing the corpus with its injected copy must report, derived from the injected changes. */
export interface EdgeExpectation {
  readonly changed: { key: number; columns: string[] }[];
  readonly missingInTarget: number[];
  readonly missingInSource: number[];
}

type EdgeChange = readonly [index: number, column: keyof EdgeRow, value: EdgeRow[keyof EdgeRow]];

/**
 * Changes injected into a copy of the corpus: JSON values that differ by value (not by spelling), JSON `null`
 * ↔ SQL NULL, numbers beyond double precision, one changed value of every other type, rows deleted (one of
 * them holding `{}` while another `{}` row stays) and rows added before, between and after the source keys.
 */
const EDGE_CHANGES: readonly EdgeChange[] = [
  [6, 'j', null],
  [5, 'j', 'null'],
  [7, 'j', '1.5'],
  [8, 'j', '{"n": 101}'],
  [14, 'j', '12345678901234567891'],
  [1, 'j', '[1,3,2]'],
  [11, 'j', '[[1,[2,[3]]],{}]'],
  [20, 'j', '[1,2]'],
  [20, 't_text', ''],
  [4, 'j', '"Text"'],
  [10, 'jb', '"text "'],
  [9, 'j', '"ete"'],
  [12, 'j', '{"s":"a\\"b\\\\c"}'],
  [13, 't_text', 'x'],
  [15, 'd10', '0.0000000001'],
  [16, 'f8', 0.1000000001],
  [17, 'ts6', '2000-01-01 00:00:00.000002'],
  [18, 'ts3', '2020-06-15 12:30:45.501'],
  [19, 'b', true],
  [21, 'u', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  [22, 'bin', Buffer.from([99, 0, 255, 10, 13])],
  [23, 't_var', 'trailing '],
  [24, 'dt', '2000-01-02'],
  [26, 'tstz', '2038-01-19 03:14:07.999998'],
];
const EDGE_DELETED = [2, 25 + 23, 59];
const EDGE_ADDED = [0, 3, 10_000];

/** The corpus with the injected changes applied, and what a comparison with the clean corpus must report. */
export function injectedEdgeRows(variant: JsonVariant): { rows: EdgeRow[]; expected: EdgeExpectation } {
  const clean = edgeRows(variant);
  const rows = clean.map((r) => ({ ...r }));
  const columns = new Map<number, Set<string>>();
  for (const [i, column, value] of EDGE_CHANGES) {
    const row = rows[i]!;
    if (JSON.stringify(row[column]) === JSON.stringify(value)) {
      throw new Error(`corpus change ${i}.${column} changes nothing`);
    }
    (row as unknown as Record<string, unknown>)[column] = value;
    const set = columns.get(row.id) ?? new Set<string>();
    columns.set(row.id, set.add(column));
  }
  const deleted = EDGE_DELETED.map((i) => clean[i]!.id);
  const out = rows.filter((r) => !deleted.includes(r.id));
  for (const id of EDGE_ADDED) out.push({ ...clean[10]!, id });
  const order = Object.keys(clean[0]!);
  return {
    rows: out,
    expected: {
      changed: [...columns]
        .sort((a, b) => a[0] - b[0])
        .map(([key, set]) => ({ key, columns: order.filter((c) => set.has(c)) })),
      missingInTarget: deleted.sort((a, b) => a - b),
      missingInSource: [...EDGE_ADDED],
    },
  };
}

/**
 * Timestamps for precision reduction: full-precision values, rounding ties at every precision before and after
 * 2000-01-01 (PostgreSQL rounds ties away from its epoch), carries through second, day and year, and NULL.
 */
export function timestampValues(): (string | null)[] {
  const out: (string | null)[] = [
    '1999-12-31 23:59:59.999999',
    '2000-01-01 00:00:00.000000',
    '2024-02-29 23:59:59.500000',
    '2021-06-30 12:00:00.499999',
    '2010-01-01 00:00:00.123456',
    '2010-01-01 00:00:00.050000',
    '2038-01-19 03:14:07.999999',
    '1971-05-05 05:05:05.555555',
    null,
  ];
  for (let p = 0; p < 6; p++) {
    const tie = `${'3'.repeat(p)}5`.padEnd(6, '0');
    const above = `${'7'.repeat(p)}5`.padEnd(6, '1');
    out.push(`2015-03-14 15:09:26.${tie}`, `1995-03-14 15:09:26.${tie}`, `2015-03-14 15:09:26.${above}`);
  }
  return out;
}

/** How a timestamp table is written: all columns at precision 6, or column `pN` at precision N. */
export type TimestampLoad = 'full' | 'copy' | 'truncated-copy';

const TS_COLUMNS = [0, 1, 2, 3, 4, 5, 6];
const truncateTs = (v: string | null, p: number) => (v === null ? null : v.slice(0, p === 0 ? 19 : 20 + p));

/** Creates and fills `edge_ts` in PostgreSQL: a `copy` lets PostgreSQL reduce the precision (it rounds). */
export async function loadTimestampsPostgres(url: string, load: TimestampLoad): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = TS_COLUMNS.map((p) => `p${p} timestamp(${load === 'full' ? 6 : p})`).join(', ');
    await c.query(`CREATE TABLE edge_ts (id int PRIMARY KEY, ${cols})`);
    for (const [i, v] of timestampValues().entries()) {
      const values = TS_COLUMNS.map((p) => (load === 'truncated-copy' ? truncateTs(v, p) : v));
      await c.query(`INSERT INTO edge_ts VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, [i + 1, ...values]);
    }
  } finally {
    await c.end();
  }
}

/** Creates and fills `edge_ts` in MariaDB: a `copy` lets MariaDB reduce the precision (it truncates). */
export async function loadTimestampsMariadb(url: string, load: TimestampLoad): Promise<void> {
  const c = await mysql.createConnection({ uri: url, charset: 'UTF8MB4_BIN' });
  try {
    const cols = TS_COLUMNS.map((p) => `p${p} datetime(${load === 'full' ? 6 : p})`).join(', ');
    await c.query(`CREATE TABLE edge_ts (id int PRIMARY KEY, ${cols})`);
    for (const [i, v] of timestampValues().entries()) {
      const values = TS_COLUMNS.map((p) => (load === 'truncated-copy' ? truncateTs(v, p) : v));
      await c.query(`INSERT INTO edge_ts VALUES (?,?,?,?,?,?,?,?)`, [i + 1, ...values]);
    }
  } finally {
    await c.end();
  }
}

/** Creates and fills `edge_ts` in SQLite (text; a `copy` is truncated by the loader, SQLite's own rule). */
export function loadTimestampsSqlite(path: string, load: TimestampLoad): void {
  const db = new SqliteDatabase(path);
  try {
    const cols = TS_COLUMNS.map((p) => `p${p} DATETIME(${load === 'full' ? 6 : p})`).join(', ');
    db.exec(`CREATE TABLE edge_ts (id INTEGER PRIMARY KEY, ${cols})`);
    const insert = db.prepare(`INSERT INTO edge_ts VALUES (?,?,?,?,?,?,?,?)`);
    for (const [i, v] of timestampValues().entries()) {
      insert.run(i + 1, ...TS_COLUMNS.map((p) => (load === 'full' ? v : truncateTs(v, p))));
    }
  } finally {
    db.close();
  }
}
