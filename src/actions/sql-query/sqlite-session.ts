import { TminusError } from '../../core/tminus-error.js';
import { SqliteDriver } from '../../data/sqlite/sqlite-driver.js';
import type { RawSqlResult, SessionOptions, SqlParam, SqlSession } from './sql-session.js';

/**
 * The file a SQLite connection URL names: `sqlite:///abs/path.db`, `sqlite:relative.db`, `file:/abs/path.db`
 * or a plain path.
 */
export function sqlitePath(url: string): string {
  const m = /^(?:sqlite|file):(?:\/\/)?(.*)$/.exec(url);
  const path = m ? (m[1] ?? '') : url;
  return decodeURIComponent(path.split('?')[0] ?? '');
}

/**
 * A SQLite session over the SQLite driver `data diff` uses. The file must exist (a typo must not silently
 * create an empty database). Queries are synchronous and cannot be interrupted; the timeout bounds waiting for
 * locks.
 */
export function openSqliteSession(url: string, options: SessionOptions): SqlSession {
  const path = sqlitePath(url);
  let db: SqliteDriver;
  try {
    db = new SqliteDriver(path, { readOnly: options.readOnly, busyTimeoutMs: options.timeoutMs });
  } catch (error) {
    throw new TminusError(
      'SQL_FAILED',
      `cannot open the SQLite file '${path}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return {
    query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult> {
      const statement = db.prepare(sql);
      const values = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
      if (statement.reader) {
        const rows = statement.all(...values) as Record<string, unknown>[];
        return Promise.resolve({
          columns: statement.columns().map((c) => c.name),
          rows,
          rowCount: rows.length,
          returnsRows: true,
        });
      }
      const info = statement.run(...values);
      return Promise.resolve({ columns: [], rows: [], rowCount: info.changes, returnsRows: false });
    },
    close: () => db.close(),
  };
}
