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
  let running = false;
  let closing: Promise<void> | undefined;
  const doClose = async () => {
    closed = true;
    // Closing the socket alone leaves the statement running (and holding its locks) until the server
    // notices; cancel it from a second connection first.
    if (running && backendPid !== undefined) await cancelBackend(url, backendPid);
    await client.end();
  };
  const close = () => (closing ??= doClose());
  let backendPid: number | undefined;
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    backendPid = rows[0]?.pid;
  } catch (error) {
    closed = true;
    await client.end();
    throw error;
  }
  return {
    async query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      running = true;
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
        running = false;
        if (options.readOnly && !closed) await client.query('ROLLBACK');
      }
    },
    close,
  };
}

/** Cancels the statement a backend is running (`pg_cancel_backend`), over a short-lived connection. */
async function cancelBackend(url: string, pid: number): Promise<void> {
  const canceller = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    application_name: 'tminus-cancel',
  });
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } finally {
    await canceller.end();
  }
}
