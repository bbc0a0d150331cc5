import type { ActionDefinition } from '../../engine/action.js';
import { TminusError } from '../../core/tminus-error.js';
import type { DnsQueryParams } from './dns-query-params.js';
import { dnsQueryParams } from './dns-query-params.js';
/** The resolver side (DNS wire format, sockets) loads when a query runs, not with the declaration. */
const propagation = () => import('./check-propagation.js');

/**
 * `dns.query`: asks the chosen resolvers, or every authoritative server of a zone (RD=0), and reports per
 * server the answer, TTL, SOA serial and whether it matches `expect` / still holds `old`. It measures and
 * never judges: it fails only when no server answered at all (use `dns.verify` to require agreement).
 */
export const dnsQueryAction: ActionDefinition<DnsQueryParams> = {
  type: 'dns.query',
  description:
    'Asks resolvers or every authoritative server of a zone and reports answers, TTLs, SOA serials and propagation',
  params: dnsQueryParams,
  idempotent: true,

  async plan(_ctx, p) {
    const { describeTargets } = await propagation();
    return { summary: `read-only: ${describeTargets(p)}`, changes: [] };
  },

  async execute(ctx, p) {
    const { checkPropagation, describeServers } = await propagation();
    const report = await checkPropagation(ctx, p);
    if (report.servers.length > 0 && report.servers.every((s) => s.state === 'error')) {
      throw new TminusError(
        'DNS_NO_ANSWER',
        ctx.redact(`no server answered ${report.name} ${report.type}: ${describeServers(report)}`),
      );
    }
    const judged = p.expect !== undefined;
    const summary = `${report.name} ${report.type}: ${describeServers(report)}${judged ? ` — ${report.agreeing.length}/${report.servers.length} as expected` : ''}`;
    ctx.logger.info(ctx.redact(summary));
    return { summary: ctx.redact(summary), output: { ...report }, value: report };
  },
};
