import { parseConnectionUrl } from './connection-url.js';
import type { Dialect } from './dialect.js';
import { MysqlDialect } from './mysql/mysql-dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';
import { SqliteDialect } from './sqlite/sqlite-dialect.js';

/**
 * Connects to a database by URL and returns its dialect; `connections` sessions are opened per side as needed.
 * Connection errors are TminusErrors (`DATA_CONNECTION`) with the password redacted.
 */
export async function openDialect(
  url: string,
  options: { connections?: number; what?: string } = {},
): Promise<Dialect> {
  const target = parseConnectionUrl(url, options.what);
  const connections = options.connections ?? 1;
  switch (target.engine) {
    case 'postgres':
      return PostgresDialect.open(target.url, target.label, connections);
    case 'mysql':
      return MysqlDialect.open(target.url, target.label, connections);
    case 'sqlite':
      return SqliteDialect.open(target.path ?? target.url, target.label);
  }
}
