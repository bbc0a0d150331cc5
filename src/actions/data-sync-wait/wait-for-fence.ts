import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import type { PostgresDialect } from '../../data/postgres/postgres-dialect.js';

/** Where the subscription stood when it passed the fence. */
export interface FencePassed {
  readonly subscription: string;
  readonly lsn: string;
  readonly waitedMs: number;
  /** The subscribed tables, as the target names them. */
  readonly tables: string[];
}

/** A subscription of the target database, as the fence needs it. */
export interface SubscriptionRow {
  oid: string;
  subname: string;
  subslotname: string | null;
  subenabled: boolean;
}

/** Finds the subscription to wait on (the only one when unnamed) and checks it is enabled. */
export async function findSubscription(
  target: PostgresDialect,
  name: string | undefined,
): Promise<SubscriptionRow> {
  const subs = await target.query<SubscriptionRow>(
    `SELECT oid::text, subname, subslotname, subenabled FROM pg_subscription
      WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY subname`,
  );
  const sub =
    name === undefined ? (subs.length === 1 ? subs[0] : undefined) : subs.find((s) => s.subname === name);
  if (!sub) {
    const known = subs.map((s) => s.subname).join(', ') || 'none';
    throw new TminusError(
      'USAGE',
      name === undefined
        ? `the target database has ${subs.length} subscriptions (${known}): name one with subscription:`
        : `subscription ${name} not found in the target database (subscriptions: ${known})`,
    );
  }
  if (!sub.subenabled) {
    throw new TminusError('USAGE', `subscription ${sub.subname} is disabled`, {
      hint: `ALTER SUBSCRIPTION ${sub.subname} ENABLE`,
    });
  }
  return sub;
}

/**
 * Takes the fence LSN on the source and waits until the subscription has confirmed it (slot `confirmed_flush_lsn`
 * on the source, or `latest_end_lsn` on the target) and every subscribed table has finished its initial copy.
 */
export async function waitForFence(
  ctx: ActionContext,
  source: PostgresDialect,
  target: PostgresDialect,
  sub: SubscriptionRow,
  o: { timeoutMs: number; pollMs: number },
): Promise<FencePassed> {
  const fence =
    (await source.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`))[0]?.lsn ?? '0/0';
  const started = ctx.clock.now();
  let behind = 'unknown';
  for (;;) {
    const [slot] = await source.query<{ passed: boolean; behind: string }>(
      `SELECT confirmed_flush_lsn >= $1::pg_lsn AS passed, pg_wal_lsn_diff($1::pg_lsn, confirmed_flush_lsn)::text AS behind
         FROM pg_replication_slots WHERE slot_name = $2`,
      [fence, sub.subslotname],
    );
    const [stat] = await target.query<{ passed: boolean | null }>(
      `SELECT bool_or(latest_end_lsn >= $1::pg_lsn) AS passed FROM pg_stat_subscription WHERE subid = $2::oid AND relid IS NULL`,
      [fence, sub.oid],
    );
    const [rels] = await target.query<{ waiting: string }>(
      `SELECT count(*) FILTER (WHERE srsubstate <> 'r')::text AS waiting FROM pg_subscription_rel WHERE srsubid = $1::oid`,
      [sub.oid],
    );
    const copying = Number(rels?.waiting ?? 0);
    behind = slot ? `${slot.behind} bytes` : behind;
    if ((slot?.passed === true || stat?.passed === true) && copying === 0) break;
    const waited = ctx.clock.now() - started;
    if (waited >= o.timeoutMs) {
      throw new TminusError(
        'DATA_SYNC_TIMEOUT',
        `subscription ${sub.subname} did not pass the fence ${fence} within ${Math.round(o.timeoutMs / 1000)} s (behind by ${behind}${copying ? `, ${copying} tables still in initial copy` : ''})`,
        {
          hint: 'check the apply worker on the target (pg_stat_subscription) and its log; writes on the source stay frozen',
        },
      );
    }
    ctx.logger.info('waiting for the subscription to pass the fence', {
      subscription: sub.subname,
      fence,
      behind,
      copying,
    });
    await ctx.clock.sleep(o.pollMs, ctx.signal);
  }
  const tables = await target.query<{ t: string }>(
    `SELECT srrelid::regclass::text AS t FROM pg_subscription_rel WHERE srsubid = $1::oid ORDER BY 1`,
    [sub.oid],
  );
  return {
    subscription: sub.subname,
    lsn: fence,
    waitedMs: ctx.clock.now() - started,
    tables: tables.map((r) => r.t),
  };
}
