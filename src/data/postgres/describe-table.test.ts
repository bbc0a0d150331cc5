import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgExec } from '../../../test/support/data-tables.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { createPostgresDatabase } from '../../../test/support/databases.js';
import type { Dialect, TableInfo } from '../dialect.js';
import { openDialect } from '../open-dialect.js';
import { KINDS } from './postgres-dialect.js';

/*
 * `describeTable` reads `pg_catalog`; it must give exactly what the `information_schema` introspection it
 * replaced gave (the reference below is that code), over a wide spread of column types: domains (over scalars,
 * arrays, other domains, NOT NULL), enums, arrays, every precision-bearing type, a key whose order differs
 * from the columns', dropped columns, another schema, a view, a table with no key and a missing table.
 */
let db: TestDatabase;
let client: pg.Client;
let dialect: Dialect;

const SETUP = [
  `CREATE TYPE mood AS ENUM ('sad', 'ok')`,
  `CREATE DOMAIN money3 AS numeric(10,3) NOT NULL`,
  `CREATE DOMAIN money3b AS money3`,
  `CREATE DOMAIN ints AS int[]`,
  `CREATE DOMAIN stamp2 AS timestamptz(2)`,
  `CREATE TYPE pair AS (a int, b text)`,
  `CREATE TABLE wide (
     c_text text, a int NOT NULL, c_vc varchar(12), c_char char(3), c_num numeric(12,4), c_num0 numeric,
     c_real real, c_dbl double precision, c_small smallint, b bigint NOT NULL, c_bool boolean, c_uuid uuid,
     c_ts timestamp(3), c_ts0 timestamp(0), c_tstz timestamptz, c_date date, c_time time(2), c_timetz timetz,
     c_iv interval(1), c_json json, c_jsonb jsonb, c_bytea bytea, c_bit bit(4), c_varbit varbit(9),
     c_arr int[], c_tarr text[][], c_mood mood, c_dom money3, c_dom2 money3b, c_domarr ints, c_stamp stamp2,
     c_pair pair, c_inet inet, c_xml xml, c_oid oid, c_serial serial, "Mixed Case" text, dropped int,
     PRIMARY KEY (b, a))`,
  `ALTER TABLE wide DROP COLUMN dropped`,
  `ALTER TABLE wide ADD COLUMN c_after numeric(5,1)`,
  `CREATE TABLE nokey (x int, y text)`,
  `CREATE SCHEMA other`,
  `CREATE TABLE other.wide (id int PRIMARY KEY, v timestamp(4) NOT NULL)`,
  `CREATE VIEW wide_view AS SELECT a, b, c_num FROM wide`,
  `CREATE TABLE "Quoted Name" (id bigint PRIMARY KEY, v text)`,
  `CREATE TYPE "valueOf" AS ENUM ('x')`,
  `CREATE TYPE "constructor" AS (a int)`,
  `CREATE TABLE protos (id int PRIMARY KEY, v "valueOf", w "constructor")`,
];

beforeAll(async () => {
  db = await createPostgresDatabase('tminus_describe');
  await pgExec(db.url, SETUP);
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  dialect = await openDialect(db.url);
}, 60_000);

afterAll(async () => {
  await dialect?.close();
  await client?.end();
  await db?.drop();
});

/** The `information_schema` introspection `describeTable` used before (the reference). */
async function reference(table: string): Promise<TableInfo | undefined> {
  const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
  const cols = (
    await client.query(
      `SELECT column_name, data_type, udt_name, numeric_scale, datetime_precision, is_nullable
         FROM information_schema.columns
        WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position`,
      [schema ?? null, name],
    )
  ).rows as {
    column_name: string;
    data_type: string;
    udt_name: string;
    numeric_scale: number | null;
    datetime_precision: number | null;
    is_nullable: string;
  }[];
  if (cols.length === 0) return undefined;
  const pk = (
    await client.query(
      `SELECT a.attname AS a FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [
        table
          .split('.')
          .map((p) => `"${p.replace(/"/g, '""')}"`)
          .join('.'),
      ],
    )
  ).rows as { a: string }[];
  return {
    name: table,
    columns: cols.map((c) => ({
      name: c.column_name,
      nativeType: c.data_type === 'USER-DEFINED' ? c.udt_name : c.data_type,
      kind: KINDS[c.data_type] ?? KINDS[c.udt_name] ?? 'other',
      nullable: c.is_nullable === 'YES',
      scale: c.numeric_scale ?? undefined,
      fractionDigits: c.datetime_precision ?? undefined,
      singlePrecision: c.data_type === 'real',
    })),
    primaryKey: pk.map((p) => p.a),
  };
}

describe('PostgreSQL describeTable on pg_catalog', () => {
  it.each(['wide', 'nokey', 'other.wide', 'wide_view', 'Quoted Name', 'missing', 'other.missing'])(
    'gives what information_schema gave for %s',
    async (table) => {
      const got = await dialect.describeTable(table);
      const want = await reference(table);
      expect(got).toEqual(want);
    },
  );

  it('maps the kinds as before', async () => {
    const got = await dialect.describeTable('wide');
    const kind = Object.fromEntries(got!.columns.map((c) => [c.name, c.kind]));
    expect(got!.primaryKey).toEqual(['b', 'a']);
    expect(kind).toMatchObject({ a: 'int', b: 'int', c_num: 'decimal', c_text: 'text', c_json: 'json' });
  });

  it("reads a type named like an object's own property (valueOf, constructor) as a kind it does not know", async () => {
    const got = await dialect.describeTable('protos');
    expect(got!.columns.map((c) => [c.name, c.kind, c.nativeType])).toEqual([
      ['id', 'int', 'integer'],
      ['v', 'other', 'valueOf'],
      ['w', 'other', 'constructor'],
    ]);
  });
});
