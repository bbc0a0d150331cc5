import type pg from 'pg';
import { PostgresDriver } from '../../data/postgres/postgres-driver.js';
import type { RawSqlResult, SessionOptions, SqlParam, SqlSession } from './sql-session.js';

/**
 * A PostgreSQL session over the PostgreSQL driver `data diff` uses. The server enforces the timeout too
 * (`statement_timeout`), so a query left behind by a closed socket does not keep running; closing cancels a
 * running statement; read-only work runs in `BEGIN READ ONLY` and is rolled back.
 */
export async function openPostgresSession(url: string, options: SessionOptions): Promise<SqlSession> {
  const driver = new PostgresDriver(url, {
    connections: 1,
    connectTimeoutMs: options.timeoutMs,
    statementTimeoutMs: options.timeoutMs,
  });
  let closed = false;
  try {
    await driver.query('SELECT 1'); // connect now: a wrong URL fails here, not in the first statement
  } catch (error) {
    closed = true;
    await driver.close();
    throw error;
  }
  return {
    query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      return driver.session(async (session) => {
        if (options.readOnly) await session.query('BEGIN READ ONLY');
        try {
          const results = await session.query(sql, params);
          // Several statements in one text (no parameters) give one result each; the last one is the answer.
          const result: pg.QueryResult | undefined = Array.isArray(results) ? results.at(-1) : results;
          const columns = result?.fields?.map((f) => f.name) ?? [];
          const rows = (result?.rows ?? []) as Record<string, unknown>[];
          return {
            columns,
            rows,
            rowCount: columns.length > 0 ? rows.length : (result?.rowCount ?? 0),
            returnsRows: columns.length > 0,
          };
        } finally {
          if (options.readOnly && !closed) await session.query('ROLLBACK');
        }
      });
    },
    close() {
      closed = true;
      return driver.close();
    },
  };
}
