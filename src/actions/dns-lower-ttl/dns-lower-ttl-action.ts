import { z } from 'zod';
import type { ActionDefinition } from '../../engine/action.js';
import { TminusError } from '../../core/tminus-error.js';
import { absoluteName, isInZone } from '../shared/dns-wire/dns-name.js';
import { checkTarget, recordTargetFields } from '../shared/dns-providers/dns-record-params.js';
import type { DnsClientFactories } from '../shared/dns-providers/create-provider.js';
/** The providers and their SDK clients (Route 53, Cloudflare) load when a call runs, not with the declaration. */
const providers = () => import('../shared/dns-providers/create-provider.js');
import { applyRecordChange, describeSet } from '../shared/dns-providers/apply-record-change.js';

export const dnsLowerTtlParams = z
  .strictObject({
    ...recordTargetFields,
    ttl: z
      .int()
      .min(0)
      .max(86_400)
      .meta({ description: 'The lowered TTL in seconds (e.g. 60); the values stay as they are.' }),
    oldTtl: z.int().min(0).optional().meta({
      description:
        'The TTL in force before lowering, in seconds. Plan validation uses it to check that the switch comes at least this long (plus a margin) after this task; at run time a higher actual TTL is reported.',
    }),
  })
  .superRefine((p, ctx) => {
    checkTarget(p, ctx);
    if (p.oldTtl !== undefined && p.oldTtl <= p.ttl) {
      ctx.addIssue({
        code: 'custom',
        path: ['oldTtl'],
        message: `oldTtl ${p.oldTtl} is not above the new ttl ${p.ttl}`,
      });
    }
  });
export type DnsLowerTtlParams = z.infer<typeof dnsLowerTtlParams>;

function recordName(p: DnsLowerTtlParams): string {
  const name = absoluteName(p.name, p.zone);
  if (!isInZone(name, p.zone)) {
    throw new TminusError('INVALID_PARAMS', `${name} is not inside zone ${p.zone}`, { retryable: false });
  }
  return name;
}

/**
 * `dns.lower-ttl`: lowers a record's TTL ahead of the switch, keeping its values, so resolvers re-ask soon
 * after the switch (and after a rollback). Idempotent; guarded like a compare-and-swap on the current values
 * so a concurrent edit is not overwritten. Reports when the old TTL has run out everywhere
 * (`safeToSwitchAt`). It has no inverse on purpose: raising the TTL again belongs after the go/no-go window,
 * never in a rollback, which needs the low TTL the most.
 */
export function createDnsLowerTtlAction(
  factories: DnsClientFactories = {},
): ActionDefinition<DnsLowerTtlParams> {
  return {
    type: 'dns.lower-ttl',
    description:
      'Lowers the TTL of a DNS record ahead of the switch (old TTL + margin before it), keeping its values',
    params: dnsLowerTtlParams,
    idempotent: true,

    async plan(ctx, p) {
      const name = recordName(p);
      const provider = (await providers()).createProvider(ctx, p, factories);
      const target = `${name} ${p.type} on ${provider.label}`;
      const current = await provider.read(name, p.type);
      if (!current || current.ttl <= p.ttl) {
        return {
          summary: `${target}: TTL already ${current?.ttl ?? '(no record)'}, nothing to lower`,
          changes: [],
        };
      }
      return {
        summary: `would lower the TTL of ${target} from ${current.ttl} to ${p.ttl}`,
        changes: [
          {
            target,
            from: `TTL ${current.ttl}`,
            to: `TTL ${p.ttl}`,
            note: `values stay ${current.values.join(', ')}`,
          },
        ],
      };
    },

    async execute(ctx, p) {
      const name = recordName(p);
      const provider = (await providers()).createProvider(ctx, p, factories);
      const current = await provider.read(name, p.type);
      if (!current) {
        throw new TminusError(
          'DNS_NO_ANSWER',
          `${name} ${p.type} does not exist on ${provider.label}: no TTL to lower`,
          {
            hint: 'check name, zone and type',
            retryable: false,
          },
        );
      }
      const now = ctx.clock.now();
      if (current.ttl <= p.ttl) {
        const summary = `${name} ${p.type} already has TTL ${current.ttl} (≤ ${p.ttl}) on ${provider.label}: nothing to change`;
        ctx.logger.info(ctx.redact(summary));
        return {
          summary,
          output: { name, type: p.type, changed: false, ttl: current.ttl, values: current.values },
        };
      }
      if (p.oldTtl !== undefined && current.ttl > p.oldTtl) {
        ctx.logger.warn(
          ctx.redact(
            `${name} ${p.type} had TTL ${current.ttl}, above the plan's oldTtl ${p.oldTtl}: the switch may need to wait longer`,
          ),
        );
      }
      const outcome = await applyRecordChange(
        provider,
        { name, type: p.type, ttl: p.ttl, values: current.values },
        current.values,
      );
      // Until the old TTL has passed, some resolvers may still hold the record with its old TTL.
      const safeToSwitchAtMs = now + current.ttl * 1000;
      const summary = `${name} ${p.type}: TTL ${current.ttl} → ${p.ttl} on ${provider.label} (values ${current.values.join(', ')}); old TTL has run out everywhere at ${new Date(safeToSwitchAtMs).toISOString()}`;
      ctx.logger.info(ctx.redact(summary));
      return {
        summary: ctx.redact(summary),
        output: {
          name,
          type: p.type,
          changed: outcome.changed,
          from: describeSet(outcome.from),
          to: describeSet(outcome.to),
          oldTtl: current.ttl,
          ttl: p.ttl,
          safeToSwitchAtMs,
          safeToSwitchAt: new Date(safeToSwitchAtMs).toISOString(),
          ...(outcome.receipt?.reference ? { reference: outcome.receipt.reference } : {}),
        },
      };
    },
  };
}

export const dnsLowerTtlAction = createDnsLowerTtlAction();
