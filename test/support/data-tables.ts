import pg from 'pg';
import mysql from 'mysql2/promise';

/**
 * Deterministic 8-column tables generated inside the database (same logical rows in PostgreSQL and MariaDB),
 * for injected-difference tests and the benchmark. Row `g` (1-based) has key `keyOf(g)`: keys are gapped
 * (step 3, then a hole, then step 5 after row 100,000).
 */
export const keyOf = (g: number): number => (g <= 100_000 ? g * 3 : 1_000_000 + g * 5);

export function postgresTableSql(table: string, rows: number, from = 1): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, name text, amount numeric(12,2), score double precision,
      created timestamp(6), flag boolean, ref uuid, note text)`,
    `INSERT INTO ${table} SELECT CASE WHEN g <= 100000 THEN g * 3 ELSE 1000000 + g * 5 END, 'name-' || g,
      (g % 100000)::numeric / 100, g::float8 / 7,
      timestamp '2020-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond',
      g % 2 = 0, md5(g::text)::uuid, CASE WHEN g % 10 = 0 THEN NULL ELSE repeat('x', g % 20) END
      FROM generate_series(${from}, ${from + rows - 1}) g`,
  ];
}

export function mariadbTableSql(table: string, rows: number, from = 1): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id bigint PRIMARY KEY, name text, amount decimal(12,2), score double,
      created datetime(6), flag tinyint(1), ref char(36), note text) CHARACTER SET utf8mb4`,
    `INSERT INTO ${table} SELECT IF(seq <= 100000, seq * 3, 1000000 + seq * 5), CONCAT('name-', seq),
      (seq % 100000) / 100, seq / 7e0,
      TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
      seq % 2 = 0, CONCAT_WS('-', SUBSTR(MD5(seq), 1, 8), SUBSTR(MD5(seq), 9, 4), SUBSTR(MD5(seq), 13, 4),
        SUBSTR(MD5(seq), 17, 4), SUBSTR(MD5(seq), 21)),
      IF(seq % 10 = 0, NULL, REPEAT('x', seq % 20))
      FROM seq_${from}_to_${from + rows - 1}`,
  ];
}

/** Runs statements on PostgreSQL. */
export async function pgExec(url: string, statements: readonly string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

/** Runs statements on MariaDB. */
export async function mariadbExec(url: string, statements: readonly string[]): Promise<void> {
  const c = await mysql.createConnection({ uri: url, charset: 'UTF8MB4_BIN' });
  try {
    await c.query(`SET time_zone = '+00:00'`);
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}
