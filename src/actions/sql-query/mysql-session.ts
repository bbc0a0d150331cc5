import { MysqlDriver } from '../../data/mysql/mysql-driver.js';
import type { RawSqlResult, SessionOptions, SqlParam, SqlSession } from './sql-session.js';

/**
 * A MySQL/MariaDB session over the MySQL driver `data diff` uses. The server enforces the timeout where it can
 * (`max_statement_time` on MariaDB, `max_execution_time` for SELECTs on MySQL); closing stops a running
 * statement; read-only work runs in `START TRANSACTION READ ONLY`.
 */
export async function openMysqlSession(url: string, options: SessionOptions): Promise<SqlSession> {
  const driver = new MysqlDriver(url, { connections: 1, connectTimeoutMs: options.timeoutMs });
  let timeoutSql: string;
  try {
    const version = await driver.query<{ v: string }>('SELECT VERSION() AS v');
    const isMariadb = String(version[0]?.v ?? '').includes('MariaDB');
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    timeoutSql = isMariadb
      ? `SET SESSION max_statement_time = ${seconds}`
      : `SET SESSION max_execution_time = ${Math.ceil(options.timeoutMs)}`;
  } catch (error) {
    await driver.close();
    throw error;
  }
  let closed = false;
  return {
    query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      return driver.session(async (session) => {
        await session.query(timeoutSql);
        if (options.readOnly) await session.query('START TRANSACTION READ ONLY');
        try {
          const result = await session.query(sql, params);
          if (result.rows) {
            return {
              columns: result.columns,
              rows: result.rows as Record<string, unknown>[],
              rowCount: result.rows.length,
              returnsRows: true,
            };
          }
          return { columns: [], rows: [], rowCount: result.affectedRows, returnsRows: false };
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
