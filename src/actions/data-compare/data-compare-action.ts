import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ErrorCode } from '../../core/tminus-error.js';
import { ERROR_CODES, TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';
import { compareOptionsSchema, toCompareOptions } from '../../data/compare-params.js';
import { dataDiff } from '../../data/data-diff.js';
import type { Dialect } from '../../data/dialect.js';
import type { DiffReport } from '../../data/diff-result.js';
import {
  reconciliationHtml,
  reconciliationMarkdown,
  tableVerdict,
} from '../../data/reconciliation-report.js';
import { openConnection } from './open-connection.js';

export const dataCompareParams = compareOptionsSchema
  .extend({
    source: z.string().min(1),
    target: z.string().min(1),
    tables: z.array(z.string().min(1)).min(1).optional(),
    all: z.boolean().optional(),
    /** Write the reconciliation report here (.md or .html). */
    report: z
      .string()
      .regex(/\.(md|html?)$/i, { message: 'must end in .md or .html' })
      .optional(),
    /** `difference` (default): the step fails when data differs. `never`: it succeeds and reports `value.identical`. */
    failOn: z.enum(['difference', 'never']).optional(),
  })
  .refine((p) => (p.tables !== undefined) !== (p.all === true), {
    message: 'give either tables: [...] or all: true',
    path: ['tables'],
  });

export type DataCompareParams = z.output<typeof dataCompareParams>;

function summaryOf(report: DiffReport): string {
  return report.tables.map((t) => `${t.table}: ${tableVerdict(t)}`).join('; ');
}

/**
 * `data.compare`: counts, in-database checksums and differing rows between two plan connections (SPEC §5).
 * Read-only on both sides, so it is idempotent.
 */
export const dataCompareAction: ActionDefinition<DataCompareParams> = {
  type: 'data.compare',
  description: 'compare row counts, checksums and differing rows of tables between two databases',
  params: dataCompareParams,
  idempotent: true,

  plan(_ctx, p) {
    const what = p.all ? 'every table' : (p.tables ?? []).join(', ');
    return Promise.resolve({
      summary: `compare ${what} from ${p.source} to ${p.target} (read-only)`,
      changes: [],
    });
  },

  async execute(ctx, p) {
    const { source: s, target: t, tables, all, report: reportFile, failOn, ...rest } = p;
    const options = toCompareOptions(rest);
    const sessions = (options.connections ?? 1) + 1;
    let source: Dialect | undefined;
    let target: Dialect | undefined;
    try {
      [source, target] = await Promise.all([
        openConnection(ctx, s, sessions),
        openConnection(ctx, t, sessions),
      ]);
      const report = await dataDiff({
        source,
        target,
        tables,
        all,
        options,
        clock: ctx.realClock ?? ctx.clock, // segment sizing aims at a real per-query time
        signal: ctx.signal,
        onTable: (table, rows) => ctx.logger.info(`comparing ${table}`, { rows }),
      });
      if (reportFile) {
        const text = reportFile.toLowerCase().endsWith('.md')
          ? reconciliationMarkdown(report)
          : reconciliationHtml(report);
        await writeFile(reportFile, ctx.redact(text));
      }
      const summary = ctx.redact(summaryOf(report));
      const identical = report.tables.every((x) => x.status === 'identical');
      const output = JSON.parse(ctx.redact(JSON.stringify(report))) as Record<string, unknown>;
      const failed = report.tables.find((x) => x.status === 'error');
      if (failed?.error) {
        const code = (ERROR_CODES as readonly string[]).includes(failed.error.code)
          ? (failed.error.code as ErrorCode)
          : 'DATA_QUERY';
        throw new TminusError(code, ctx.redact(`${failed.table}: ${failed.error.message}`), {
          hint: failed.error.hint,
        });
      }
      if (!identical && (failOn ?? 'difference') === 'difference') {
        throw new TminusError('DATA_DIFFERS', summary, {
          hint: reportFile ? `see ${reportFile}` : undefined,
        });
      }
      return { summary, output, value: { identical } };
    } finally {
      await Promise.all([source?.close(), target?.close()]);
    }
  },
};
