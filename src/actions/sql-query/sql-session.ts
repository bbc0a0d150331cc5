import { redactUrl } from '../../core/secrets/redact-url.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ResolvedConnection } from '../../engine/action.js';

/** A scalar parameter bound to a placeholder (`$1` on PostgreSQL, `?` on MySQL/MariaDB and SQLite). */
export type SqlParam = string | number | boolean | null;

/** What one statement returned, before capping and normalising. */
export interface RawSqlResult {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** Rows returned, or rows changed for statements that return none. */
  readonly rowCount: number;
  readonly returnsRows: boolean;
}

/** An open connection to one database, for one action call. */
export interface SqlSession {
  query(sql: string, params: readonly SqlParam[]): Promise<RawSqlResult>;
  /** Stops whatever runs (closes the socket); safe to call twice. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Also set as the server-side statement timeout where the engine has one. */
  readonly timeoutMs: number;
  /** Runs inside a read-only transaction (PostgreSQL, MySQL/MariaDB) or opens the file read-only (SQLite). */
  readonly readOnly: boolean;
}

export type SqlEngine = 'postgres' | 'mysql' | 'sqlite';

const ENGINE_OF: Readonly<Record<string, SqlEngine>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
};

/** Which driver serves a connection, or a clear error naming the connection and its kind. */
export function engineOf(connection: ResolvedConnection): SqlEngine {
  const engine = ENGINE_OF[connection.kind];
  if (!engine) {
    throw new TminusError(
      'INVALID_PARAMS',
      `connection '${connection.name}' is a '${connection.kind}' connection; SQL actions need postgres, mysql, mariadb or sqlite`,
    );
  }
  if (connection.url === undefined || connection.url === '') {
    throw new TminusError('INVALID_PARAMS', `connection '${connection.name}' has no url`);
  }
  return engine;
}

/** `'legacy-db' (postgres 127.0.0.1:5432/shop)`: enough to find it, never the password. */
export function describeConnection(connection: ResolvedConnection): string {
  let where = '';
  try {
    const url = new URL(connection.url ?? '');
    where = url.host ? `${url.host}${url.pathname}` : url.pathname;
  } catch {
    where = redactUrl(connection.url ?? '');
  }
  return `'${connection.name}' (${connection.kind}${where ? ` ${where}` : ''})`;
}
