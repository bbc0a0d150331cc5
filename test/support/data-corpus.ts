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
}

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

/** The corpus rows: every edge value appears, in several combinations, with NULLs sprinkled in. */
export function edgeRows(): EdgeRow[] {
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
    });
  }
  return rows;
}

/** Creates and fills `edge` in a PostgreSQL database. */
export async function loadEdgePostgres(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE edge (
      id bigint PRIMARY KEY, t_text text, t_var varchar(50), t_char char(10), d0 numeric(10,0), d2 numeric(12,2),
      d5 numeric(15,5), d10 numeric(20,10), f8 double precision, f4 real, ts0 timestamp(0), ts3 timestamp(3),
      ts6 timestamp(6), tstz timestamptz(6), dt date, b boolean, u uuid, bin bytea)`);
    for (const r of edgeRows()) {
      await c.query(
        `INSERT INTO edge VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)`,
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
        ],
      );
    }
  } finally {
    await c.end();
  }
}

/** Creates and fills `edge` in a MariaDB database (booleans as tinyint(1), UUIDs as upper-case char(36)). */
export async function loadEdgeMariadb(url: string): Promise<void> {
  const c = await mysql.createConnection({ uri: url, charset: 'UTF8MB4_BIN' });
  try {
    await c.query(`SET time_zone = '+00:00'`);
    await c.query(`CREATE TABLE edge (
      id bigint PRIMARY KEY, t_text text, t_var varchar(50), t_char char(10), d0 decimal(10,0), d2 decimal(12,2),
      d5 decimal(15,5), d10 decimal(20,10), f8 double, f4 float, ts0 datetime(0), ts3 datetime(3),
      ts6 datetime(6), tstz timestamp(6) NULL, dt date, b tinyint(1), u char(36), bin varbinary(16)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    for (const r of edgeRows()) {
      await c.query(`INSERT INTO edge VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, [
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
export function loadEdgeSqlite(path: string): void {
  const db = new SqliteDatabase(path);
  try {
    db.exec(`CREATE TABLE edge (
      id INTEGER PRIMARY KEY, t_text TEXT, t_var VARCHAR(50), t_char CHAR(10), d0 NUMERIC(10,0), d2 NUMERIC(12,2),
      d5 NUMERIC(15,5), d10 DECIMAL_TEXT(20,10), f8 DOUBLE, f4 REAL, ts0 DATETIME(0), ts3 DATETIME(3), ts6 DATETIME(6),
      tstz TIMESTAMPTZ, dt DATE, b BOOLEAN, u UUID, bin BLOB)`);
    const insert = db.prepare(`INSERT INTO edge VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    for (const r of edgeRows()) {
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
