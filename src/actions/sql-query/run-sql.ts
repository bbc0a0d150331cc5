import { redactUrl } from '../../core/secrets/redact-url.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';
import { openSqlSession } from './open-sql-session.js';
import { describeConnection, engineOf, type SqlParam, type SqlSession } from './sql-session.js';

/** A query's answer as kept in the evidence: JSON values, capped. */
export interface SqlResult {
  readonly columns: readonly string[];
  /** At most `maxRows` rows, values made JSON-safe (bigint and numeric as text, dates ISO, bytes hex). */
  readonly rows: readonly Record<string, unknown>[];
  readonly rowCount: number;
  readonly truncated: boolean;
  readonly returnsRows: boolean;
  readonly elapsedMs: number;
}

export interface RunSqlOptions {
  readonly connection: string;
  readonly query: string;
  readonly params: readonly SqlParam[];
  readonly timeoutMs: number;
  readonly readOnly: boolean;
  readonly maxRows: number;
  /** `sql.query` / `sql.assert`, for messages. */
  readonly action: string;
}

/** JSON-safe value for evidence and comparison. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/** The database's own words, its error code and the position, without any password. */
function describeSqlError(
  ctx: ActionContext,
  error: unknown,
  where: string,
  connUrl: string | undefined,
): TminusError {
  if (error instanceof TminusError) {
    return new TminusError(error.code, ctx.redact(redactUrl(error.message)), {
      cause: error,
      hint: error.hint,
    });
  }
  const e = error as {
    message?: string;
    code?: string;
    sqlMessage?: string;
    position?: string;
    errno?: number;
  };
  if (e.code === 'ERR_INVALID_URL') {
    // The parser's error carries the raw URL, password included: neither it nor the URL is kept.
    return new TminusError('INVALID_PARAMS', `${where}: the connection url is not a valid URL`, {
      hint: 'e.g. postgres://user:${env:PGPASSWORD}@host:5432/db, mysql://user@host:3306/db, sqlite:///path/file.db',
    });
  }
  if (e.code && NETWORK_CODES.has(e.code)) {
    let host = where;
    try {
      host = new URL(connUrl ?? '').host || where;
    } catch {
      host = where;
    }
    const network = describeNetworkError(error, host);
    return new TminusError('UNREACHABLE', `${where}: ${ctx.redact(network.message)}`, { cause: error });
  }
  const text = e.sqlMessage ?? e.message ?? String(error);
  const details = [e.code ? `code ${e.code}` : '', e.position ? `at character ${e.position}` : '']
    .filter((s) => s !== '')
    .join(', ');
  const message = `${where}: ${text}${details ? ` (${details})` : ''}`;
  return new TminusError('SQL_FAILED', ctx.redact(redactUrl(message)), { cause: error });
}

/**
 * Opens the named connection, runs one statement with bound parameters under a deadline (client side on the
 * run's clock, and server side where the engine allows), and closes it. Errors carry the server's message
 * and code, never the connection's password.
 */
export async function runSql(ctx: ActionContext, o: RunSqlOptions): Promise<SqlResult> {
  const connection = ctx.connection(o.connection);
  engineOf(connection);
  const where = `${o.action} on ${describeConnection(connection)}`;
  let session: SqlSession | undefined;
  const started = ctx.clock.now();
  try {
    const raw = await withDeadline(ctx, o.timeoutMs, where, async (signal) => {
      const onAbort = () => {
        session?.close().catch((error: unknown) => {
          ctx.logger.warn('stopping the SQL statement failed', {
            error: ctx.redact(redactUrl(String(error))),
          });
        });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      session = await openSqlSession(connection, { timeoutMs: o.timeoutMs, readOnly: o.readOnly });
      if (signal.aborted) throw signal.reason as Error;
      return session.query(o.query, o.params);
    });
    return {
      columns: raw.columns,
      rows: raw.rows.slice(0, o.maxRows).map((r) => toJsonValue(r) as Record<string, unknown>),
      rowCount: raw.rowCount,
      truncated: raw.rows.length > o.maxRows,
      returnsRows: raw.returnsRows,
      elapsedMs: ctx.clock.now() - started,
    };
  } catch (error) {
    throw describeSqlError(ctx, error, where, connection.url);
  } finally {
    await session?.close().catch((error: unknown) => {
      ctx.logger.debug('closing the SQL connection failed', { error: ctx.redact(redactUrl(String(error))) });
    });
  }
}
