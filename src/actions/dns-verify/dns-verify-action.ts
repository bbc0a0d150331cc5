import { z } from 'zod';
import type { ActionDefinition } from '../../engine/action.js';
import { TminusError } from '../../core/tminus-error.js';
import { checkQuery, dnsQueryFields, expectationSchema } from '../dns-query/dns-query-params.js';
/** The resolver side (DNS wire format, sockets) loads when a check runs, not with the declaration. */
const propagation = () => import('../dns-query/check-propagation.js');

export const dnsVerifyParams = z
  .strictObject({ ...dnsQueryFields, expect: expectationSchema })
  .superRefine((p, ctx) => {
    checkQuery(p, ctx);
    const e = p.expect;
    if (
      e.values === undefined &&
      !e.absent &&
      e.ttl === undefined &&
      e.maxTtl === undefined &&
      e.minSerial === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect'],
        message: 'say what to verify: values, absent, ttl, maxTtl or minSerial',
      });
    }
  });
export type DnsVerifyParams = z.infer<typeof dnsVerifyParams>;

/**
 * `dns.verify`: every chosen server (or every authoritative server of the zone) must answer what `expect`
 * says; otherwise it fails naming each lagging server and what it answers instead. Retryable: propagation
 * heals with time, so a wait-condition or retry policy can poll it.
 */
export const dnsVerifyAction: ActionDefinition<DnsVerifyParams> = {
  type: 'dns.verify',
  description:
    'Requires every resolver given, or every authoritative server of the zone, to answer the expected value, TTL and serial',
  params: dnsVerifyParams,
  idempotent: true,

  async plan(_ctx, p) {
    const { describeTargets } = await propagation();
    return { summary: `read-only: ${describeTargets(p)}`, changes: [] };
  },

  async execute(ctx, p) {
    const { checkPropagation, describeLagging, describeServers } = await propagation();
    const report = await checkPropagation(ctx, p);
    const total = report.servers.length;
    if (report.lagging.length > 0) {
      throw new TminusError(
        'DNS_NOT_PROPAGATED',
        ctx.redact(
          `${report.name} ${report.type}: ${report.lagging.length} of ${total} server(s) do not agree yet: ${describeLagging(report)}`,
        ),
        { hint: 'wait for propagation (the old TTL), or check the servers named', retryable: true },
      );
    }
    const summary = `${report.name} ${report.type}: all ${total} server(s) agree — ${describeServers(report)}`;
    ctx.logger.info(ctx.redact(summary));
    return { summary: ctx.redact(summary), output: { ...report }, value: report };
  },
};
