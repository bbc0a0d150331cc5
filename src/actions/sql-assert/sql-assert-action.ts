import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { formatMs } from '../action-deadline.js';
import { runSql } from '../sql-query/run-sql.js';
import { describeStatement, sqlBaseParams } from '../sql-query/sql-query-action.js';
import { evaluateSqlExpectation, sqlExpectation } from './sql-expectation.js';

export const sqlAssertParams = z
  .object({
    ...sqlBaseParams,
    expect: sqlExpectation.meta({ description: 'What the answer must be: rows, value, equals and/or empty' }),
  })
  .strict();
export type SqlAssertParams = z.infer<typeof sqlAssertParams>;

/** Rows read for the comparison; `equals` lists longer than this cannot be asserted. */
const ASSERT_ROW_CAP = 1_000;

/**
 * `sql.assert`: runs a query in a read-only transaction (read-only file on SQLite) and fails unless the
 * answer meets the expectation, with a message showing expected versus actual. Idempotent: it cannot write.
 */
export const sqlAssertAction: ActionDefinition<SqlAssertParams> = {
  type: 'sql.assert',
  description: 'Run a read-only query on a named connection and assert on rows, a value or the exact result',
  params: sqlAssertParams,
  idempotent: true,

  plan(ctx, p) {
    return Promise.resolve({
      summary: `would check (read-only) ${describeStatement(ctx, p.connection, p.query)}; changes nothing`,
      changes: [],
    });
  },

  async execute(ctx, p) {
    if (p.expect.equals && p.expect.equals.length > ASSERT_ROW_CAP) {
      throw new TminusError(
        'INVALID_PARAMS',
        `sql.assert: expect.equals lists more than ${ASSERT_ROW_CAP} rows`,
      );
    }
    const result = await runSql(ctx, {
      connection: p.connection,
      query: p.query,
      params: p.params,
      timeoutMs: p.timeout,
      readOnly: true,
      maxRows: ASSERT_ROW_CAP,
      action: 'sql.assert',
    });
    const problems = evaluateSqlExpectation(result, p.expect).map((s) => ctx.redact(s));
    const statement = describeStatement(ctx, p.connection, p.query);
    const output = {
      columns: result.columns,
      rows: JSON.parse(ctx.redact(JSON.stringify(result.rows.slice(0, 20)))) as unknown,
      rowCount: result.rowCount,
      elapsedMs: result.elapsedMs,
      problems,
    };
    if (problems.length > 0) {
      throw new TminusError('ASSERTION_FAILED', `sql.assert ${statement}: ${problems.join('; ')}`);
    }
    return {
      summary: `${statement}: as expected (${result.rowCount} row${result.rowCount === 1 ? '' : 's'}, ${formatMs(result.elapsedMs)})`,
      output,
      value: result.rowCount,
    };
  },
};
