import type { ResolvedConnection } from '../../engine/action.js';
import type { SessionOptions, SqlSession } from './sql-session.js';
import { engineOf } from './sql-session.js';

/** Opens a session with the driver for the connection's kind (drivers are loaded only when used). */
export async function openSqlSession(
  connection: ResolvedConnection,
  options: SessionOptions,
): Promise<SqlSession> {
  const url = connection.url ?? '';
  switch (engineOf(connection)) {
    case 'postgres':
      return (await import('./postgres-session.js')).openPostgresSession(url, options);
    case 'mysql':
      return (await import('./mysql-session.js')).openMysqlSession(url, options);
    case 'sqlite':
      return (await import('./sqlite-session.js')).openSqliteSession(url, options);
  }
}
