import mysql from 'mysql2/promise';
import type { FieldPacket, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { RawSqlResult, SessionOptions, SqlParam, SqlSession } from './sql-session.js';

/**
 * A MySQL/MariaDB session. The server enforces the timeout where it can (`max_statement_time` on MariaDB,
 * `max_execution_time` for SELECTs on MySQL); read-only work runs in `START TRANSACTION READ ONLY`.
 */
export async function openMysqlSession(url: string, options: SessionOptions): Promise<SqlSession> {
  const connection = await mysql.createConnection({
    uri: url,
    connectTimeout: options.timeoutMs,
    dateStrings: true, // dates as the server shows them, not shifted into the client's time zone
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  connection.on('error', () => undefined);
  const [versionRows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const isMariadb = String(versionRows[0]?.v ?? '').includes('MariaDB');
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  await connection.query(
    isMariadb
      ? `SET SESSION max_statement_time = ${seconds}`
      : `SET SESSION max_execution_time = ${Math.ceil(options.timeoutMs)}`,
  );
  let closed = false;
  let running = false;
  let closing: Promise<void> | undefined;
  const doClose = async () => {
    closed = true;
    // A dropped socket does not stop the statement on the server: kill it from a second connection.
    if (running) {
      const killer = await mysql.createConnection({ uri: url, connectTimeout: 5_000 });
      try {
        await killer.query(`KILL QUERY ${Number(connection.threadId)}`);
      } finally {
        killer.destroy();
      }
    }
    connection.destroy();
  };
  return {
    async query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      running = true;
      if (options.readOnly) await connection.query('START TRANSACTION READ ONLY');
      try {
        const [result, fields] = (await connection.query({ sql, values: [...params] })) as [
          RowDataPacket[] | ResultSetHeader,
          FieldPacket[] | undefined,
        ];
        if (Array.isArray(result)) {
          return {
            columns: (fields ?? []).map((f) => f.name),
            rows: result as Record<string, unknown>[],
            rowCount: result.length,
            returnsRows: true,
          };
        }
        return { columns: [], rows: [], rowCount: result.affectedRows, returnsRows: false };
      } finally {
        running = false;
        if (options.readOnly && !closed) await connection.query('ROLLBACK');
      }
    },
    close: () => (closing ??= doClose()),
  };
}
