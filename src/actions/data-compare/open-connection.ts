import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import type { Dialect } from '../../data/dialect.js';

const DATA_KINDS = new Set(['postgres', 'mysql', 'mariadb', 'sqlite']);

/** Opens a plan connection (`connections:` entry) as a data dialect; errors are redacted and name the connection. */
export async function openConnection(ctx: ActionContext, name: string, sessions: number): Promise<Dialect> {
  const c = ctx.connection(name);
  if (!DATA_KINDS.has(c.kind)) {
    throw new TminusError('USAGE', `connection ${name} is a ${c.kind} connection, not a database`, {
      hint: 'data actions need a postgres, mysql, mariadb or sqlite connection',
    });
  }
  const path = typeof c.options.path === 'string' ? c.options.path : undefined;
  let url = c.url ?? path;
  if (url === undefined) throw new TminusError('USAGE', `connection ${name} has no url`);
  if (c.kind === 'sqlite' && !url.startsWith('sqlite:')) url = `sqlite:${url}`;
  try {
    // The database drivers (pg, mysql2, better-sqlite3) load when a data action runs, not with its declaration.
    const { openDialect } = await import('../../data/open-dialect.js');
    return await openDialect(url, { connections: sessions, what: `connection ${name}` });
  } catch (error) {
    if (error instanceof TminusError) {
      throw new TminusError(error.code, ctx.redact(`connection ${name}: ${error.message}`), {
        cause: error.cause,
        hint: error.hint,
      });
    }
    throw error;
  }
}
