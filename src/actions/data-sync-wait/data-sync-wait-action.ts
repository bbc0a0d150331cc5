import { z } from 'zod';
import { parseDuration } from '../../core/plan/duration.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition } from '../../engine/action.js';
import { compareOptionsSchema, toCompareOptions } from '../../data/compare-params.js';
import { dataDiff } from '../../data/data-diff.js';
import type { Dialect } from '../../data/dialect.js';
import type { PostgresDialect } from '../../data/postgres/postgres-dialect.js';
import { tableVerdict } from '../../data/reconciliation-report.js';
import { openConnection } from '../data-compare/open-connection.js';
import { syncSequences } from './sync-sequences.js';
import { findSubscription, waitForFence } from './wait-for-fence.js';

const duration = (fallback: string) =>
  z
    .string()
    .refine((d) => parseDuration(d) !== undefined, { message: 'expected a duration such as 30s or 10m' })
    .default(fallback);

export const dataSyncWaitParams = z
  .object({
    source: z.string().min(1),
    target: z.string().min(1),
    /** The subscription on the target (default: the only one in the target database). */
    subscription: z.string().min(1).optional(),
    /** `read-only` (default): new transactions on the source database are read-only. `none`: writes were stopped another way. */
    freeze: z.enum(['read-only', 'none']).default('read-only'),
    /** End the other client sessions on the source database so no open transaction can still write (default true). */
    terminateSessions: z.boolean().default(true),
    timeout: duration('10m'),
    pollInterval: duration('1s'),
    /** Set every target sequence to its source value (logical replication does not replicate them). Default true. */
    sequences: z.boolean().default(true),
    /** The final comparison of the subscribed tables (default true); options as for data.compare. */
    verify: z.union([z.boolean(), compareOptionsSchema]).default(true),
  })
  .strict();

export type DataSyncWaitParams = z.output<typeof dataSyncWaitParams>;

const UNFREEZE = `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET default_transaction_read_only', current_database()); END $$`;
// READ WRITE explicitly: when the database is already frozen (a re-run), our own sessions start read-only too.
const FREEZE = `START TRANSACTION READ WRITE; DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$; COMMIT`;

async function openPostgres(ctx: ActionContext, name: string): Promise<PostgresDialect> {
  const d: Dialect = await openConnection(ctx, name, 2);
  // By engine, not instanceof: the PostgreSQL driver loads only when a connection needs it.
  if (d.engine !== 'postgres') {
    await d.close();
    throw new TminusError(
      'USAGE',
      `data.sync-wait: connection ${name} is ${d.engine}; it waits on PostgreSQL logical replication`,
      {
        hint: 'for other replication (DMS, Debezium, pgcopydb) freeze writes and use data.compare after the tool reports no lag',
      },
    );
  }
  return d as PostgresDialect;
}

/**
 * `data.sync-wait`: the cutover fence for PostgreSQL logical replication. Freezes writes on the source, takes
 * the fence LSN, waits until the subscription has applied past it (and every table finished its initial copy),
 * copies sequence values, then runs the final comparison. Writes stay frozen afterwards; the inverse thaws them.
 */
export const dataSyncWaitAction: ActionDefinition<DataSyncWaitParams> = {
  type: 'data.sync-wait',
  description: 'freeze writes, wait for logical replication to pass the fence, sync sequences, verify',
  params: dataSyncWaitParams,
  idempotent: true,

  plan(_ctx, p) {
    const changes = [
      ...(p.freeze === 'read-only'
        ? [{ target: `database of ${p.source}`, from: 'read-write', to: 'read-only' }]
        : []),
      ...(p.terminateSessions && p.freeze === 'read-only'
        ? [{ target: `client sessions on ${p.source}`, note: 'terminated so open transactions cannot write' }]
        : []),
      ...(p.sequences ? [{ target: `sequences of ${p.target}`, to: `values of ${p.source}` }] : []),
    ];
    return Promise.resolve({
      summary: `freeze ${p.source}, wait for ${p.subscription ?? 'the subscription'} on ${p.target} to pass the fence${p.verify === false ? '' : ', verify'}`,
      changes,
    });
  },

  touches: (p) => (p.freeze === 'read-only' ? [`writes on ${p.source}`] : []),

  inverse(p) {
    return p.freeze === 'read-only'
      ? { action: 'sql.query', with: { connection: p.source, query: UNFREEZE } }
      : undefined;
  },

  async execute(ctx, p) {
    let source: PostgresDialect | undefined;
    let target: PostgresDialect | undefined;
    try {
      source = await openPostgres(ctx, p.source);
      target = await openPostgres(ctx, p.target);
      // Checked before freezing: an unusable subscription must not leave the source frozen for nothing.
      const sub = await findSubscription(target, p.subscription);
      let terminated = 0;
      if (p.freeze === 'read-only') {
        await source.query(FREEZE);
        if (p.terminateSessions) {
          const r = await source.query<{ n: string }>(
            `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                AND application_name <> 'tminus'`,
          );
          terminated = Number(r[0]?.n ?? 0);
        }
        ctx.logger.info('writes frozen on the source', { terminatedSessions: terminated });
      }
      const fence = await waitForFence(ctx, source, target, sub, {
        timeoutMs: parseDuration(p.timeout) ?? 600_000,
        pollMs: parseDuration(p.pollInterval) ?? 1_000,
      });
      const sequences = p.sequences
        ? await syncSequences(source, target)
        : { synced: [], missingOnTarget: [] };
      let verification: { summary: string; identical: boolean } | undefined;
      if (p.verify !== false) {
        const options = p.verify === true ? {} : toCompareOptions(p.verify);
        const report = await dataDiff({
          source,
          target,
          tables: fence.tables,
          options,
          clock: ctx.realClock ?? ctx.clock,
          signal: ctx.signal,
        });
        const identical = report.tables.every((t) => t.status === 'identical');
        verification = {
          identical,
          summary: report.tables.map((t) => `${t.table}: ${tableVerdict(t)}`).join('; '),
        };
        if (!identical) {
          throw new TminusError(
            'DATA_DIFFERS',
            ctx.redact(`after the fence ${fence.lsn}: ${verification.summary}`),
            {
              hint: 'writes are still frozen on the source; fix the differences or roll back',
            },
          );
        }
      }
      const output = {
        subscription: fence.subscription,
        fenceLsn: fence.lsn,
        waitedMs: fence.waitedMs,
        terminatedSessions: terminated,
        sequences: sequences.synced,
        sequencesMissingOnTarget: sequences.missingOnTarget,
        tables: fence.tables,
        ...(verification ? { verification: verification.summary } : {}),
      };
      const summary =
        `${fence.subscription} passed fence ${fence.lsn} after ${(fence.waitedMs / 1000).toFixed(1)} s; ` +
        `${sequences.synced.length} sequences synced` +
        (verification ? `; ${fence.tables.length} tables identical` : '');
      return { summary, output, value: { fenceLsn: fence.lsn } };
    } finally {
      await Promise.all([source?.close(), target?.close()]);
    }
  },
};
