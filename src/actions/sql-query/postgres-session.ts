import pg from 'pg';
import type { RawSqlResult, SessionOptions, SqlParam, SqlSession } from './sql-session.js';

/**
 * A PostgreSQL session. The server enforces the timeout too (`statement_timeout`), so a query left behind
 * by a closed socket does not keep running; read-only work runs in `BEGIN READ ONLY` and is rolled back.
 */
export async function openPostgresSession(url: string, options: SessionOptions): Promise<SqlSession> {
  const client = new pg.Client({
    connectionString: url,
    statement_timeout: options.timeoutMs,
    connectionTimeoutMillis: options.timeoutMs,
    application_name: 'tminus',
  });
  // A socket error after connect would otherwise be an unhandled 'error' event.
  client.on('error', () => undefined);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.end();
  };
  try {
    await client.connect();
  } catch (error) {
    closed = true;
    throw error;
  }
  return {
    async query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      if (options.readOnly) await client.query('BEGIN READ ONLY');
      try {
        const results = (await client.query({ text: sql, values: [...params] })) as
          pg.QueryResult | pg.QueryResult[];
        // Several statements in one text (no parameters) give one result each; the last one is the answer.
        const result = Array.isArray(results) ? results.at(-1) : results;
        const columns = result?.fields?.map((f) => f.name) ?? [];
        const rows = (result?.rows ?? []) as Record<string, unknown>[];
        return {
          columns,
          rows,
          rowCount: columns.length > 0 ? rows.length : (result?.rowCount ?? 0),
          returnsRows: columns.length > 0,
        };
      } finally {
        if (options.readOnly && !closed) await client.query('ROLLBACK');
      }
    },
    close,
  };
}
