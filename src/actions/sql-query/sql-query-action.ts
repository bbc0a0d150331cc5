import { z } from 'zod';
import type { ActionContext, ActionDefinition } from '../../engine/action.js';
import { formatMs } from '../action-deadline.js';
import { durationParam } from '../duration-param.js';
import { runSql } from './run-sql.js';
import { describeConnection } from './sql-session.js';

/** Parameters shared by sql.query and sql.assert. */
export const sqlBaseParams = {
  connection: z
    .string()
    .min(1)
    .meta({ description: 'Name of a connection under `connections:` (postgres, mysql, mariadb or sqlite)' }),
  query: z
    .string()
    .min(1)
    .meta({ description: 'One SQL statement; placeholders $1 (PostgreSQL) or ? (MySQL, SQLite)' }),
  params: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .default([])
    .meta({ description: 'Values bound to the placeholders, in order' }),
  timeout: durationParam('Statement timeout, enforced by the server where possible (default 30s)').default(
    30_000,
  ),
};

export const sqlQueryParams = z
  .object({
    ...sqlBaseParams,
    maxRows: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(100)
      .meta({ description: 'Rows kept as evidence (default 100); the row count is always the full count' }),
    readOnly: z.boolean().default(false).meta({
      description: 'Run inside a read-only transaction (rolled back), so the query cannot change data',
    }),
  })
  .strict();
export type SqlQueryParams = z.infer<typeof sqlQueryParams>;

/** The one-line description of a statement for plans and summaries. */
export function describeStatement(ctx: ActionContext, connection: string, query: string): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  const short = oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
  return ctx.redact(`${describeConnection(ctx.connection(connection))}: ${short}`);
}

/**
 * `sql.query`: runs one statement on a named connection and keeps the rows (capped) as evidence. Its value
 * is the single cell when the answer is one row of one column (so monitors can say `failWhen: result > 0`),
 * else the row count. Not idempotent: the statement may write (use `readOnly: true` or sql.assert for reads).
 */
export const sqlQueryAction: ActionDefinition<SqlQueryParams> = {
  type: 'sql.query',
  description:
    'Run a SQL statement on a named connection (PostgreSQL, MySQL/MariaDB, SQLite); rows kept as evidence',
  params: sqlQueryParams,
  idempotent: false,

  plan(ctx, p) {
    const statement = describeStatement(ctx, p.connection, p.query);
    return Promise.resolve({
      summary: `would run on ${statement}${p.readOnly ? ' (read-only)' : ''}`,
      changes: p.readOnly
        ? []
        : [{ target: ctx.connection(p.connection).name, note: 'whatever the statement changes' }],
    });
  },

  async execute(ctx, p) {
    const result = await runSql(ctx, {
      connection: p.connection,
      query: p.query,
      params: p.params,
      timeoutMs: p.timeout,
      readOnly: p.readOnly,
      maxRows: p.maxRows,
      action: 'sql.query',
    });
    const single = result.returnsRows && result.rowCount === 1 && result.columns.length === 1;
    const value = single ? result.rows[0]?.[result.columns[0] ?? ''] : result.rowCount;
    const what = result.returnsRows
      ? `${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${single ? ` (${JSON.stringify(value)})` : ''}`
      : `${result.rowCount} row${result.rowCount === 1 ? '' : 's'} changed`;
    return {
      summary: ctx.redact(
        `${describeConnection(ctx.connection(p.connection))}: ${what} in ${formatMs(result.elapsedMs)}`,
      ),
      output: {
        columns: result.columns,
        rows: JSON.parse(ctx.redact(JSON.stringify(result.rows))) as unknown,
        rowCount: result.rowCount,
        truncated: result.truncated,
        elapsedMs: result.elapsedMs,
      },
      value,
    };
  },
};
