import { z } from 'zod';
import type { ActionDefinition } from '../../engine/action.js';
import { TminusError } from '../../core/tminus-error.js';
import { absoluteName, isInZone } from '../shared/dns-wire/dns-name.js';
import { checkRecordValue } from '../shared/dns-wire/dns-rdata.js';
import { checkTarget, recordTargetFields } from '../shared/dns-providers/dns-record-params.js';
import type { DnsClientFactories } from '../shared/dns-providers/create-provider.js';
/** The providers and their SDK clients (Route 53, Cloudflare) load when a call runs, not with the declaration. */
const providers = () => import('../shared/dns-providers/create-provider.js');
import { applyRecordChange, describeSet } from '../shared/dns-providers/apply-record-change.js';

const valueList = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const dnsUpdateParams = z
  .strictObject({
    ...recordTargetFields,
    ttl: z.int().min(0).max(2_147_483_647).meta({
      description: 'TTL of the new record in seconds; keep it low (e.g. 60) until the cutover is final.',
    }),
    value: z.string().min(1).optional().meta({ description: 'The new value (one record).' }),
    values: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ description: 'The new values (several records).' }),
    expect: valueList.optional().meta({
      description:
        'Compare-and-swap: switch only while the record still holds this value (or these values); [] means "must not exist yet". Without it the record is overwritten.',
    }),
  })
  .superRefine((p, ctx) => {
    checkTarget(p, ctx);
    if ((p.value === undefined) === (p.values === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'give either value or values (exactly one)' });
    }
    if (p.type === 'CNAME' && (p.values?.length ?? 1) > 1) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'a CNAME has exactly one value' });
    }
  });
export type DnsUpdateParams = z.infer<typeof dnsUpdateParams>;

const asList = (v: string | readonly string[] | undefined) =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : [...v];

/** The record the call is about, checked: values in the right format, name inside the zone. */
export function resolveUpdate(p: DnsUpdateParams) {
  const name = absoluteName(p.name, p.zone);
  const values = asList(p.values ?? p.value) ?? [];
  const expect = asList(p.expect);
  for (const v of [...values, ...(expect ?? [])]) {
    const problem = checkRecordValue(p.type, v);
    if (problem) throw problem;
  }
  if (!isInZone(name, p.zone)) {
    throw new TminusError('INVALID_PARAMS', `${name} is not inside zone ${p.zone}`, { retryable: false });
  }
  return { name, values, expect };
}

/**
 * `dns.update`: sets a record to a new value with a TTL, as a compare-and-swap against the expected old value
 * when `expect` is given, idempotently (already at the target → success without change).
 */
export function createDnsUpdateAction(factories: DnsClientFactories = {}): ActionDefinition<DnsUpdateParams> {
  return {
    type: 'dns.update',
    description:
      'Sets a DNS record (A, AAAA, CNAME, TXT) with a TTL through RFC 2136 + TSIG, Route 53 or Cloudflare; compare-and-swap against the expected old value',
    params: dnsUpdateParams,
    idempotent: true,

    async plan(ctx, p) {
      const { name, values, expect } = resolveUpdate(p);
      const provider = (await providers()).createProvider(ctx, p, factories);
      const target = `${name} ${p.type} on ${provider.label}`;
      const to = `${values.join(', ')} (TTL ${p.ttl})`;
      try {
        const current = await provider.read(name, p.type);
        return {
          summary: `would set ${target}: ${describeSet(current)} → ${to}`,
          changes: [
            {
              target,
              from: describeSet(current),
              to,
              ...(expect ? { note: `only while it holds ${expect.join(', ') || 'nothing'}` } : {}),
            },
          ],
        };
      } catch (error) {
        const why = ctx.redact(error instanceof Error ? error.message : String(error));
        return {
          summary: `would set ${target} to ${to} (current value unknown: ${why})`,
          changes: [
            {
              target,
              ...(expect ? { from: expect.join(', ') } : {}),
              to,
              note: `could not read the current value: ${why}`,
            },
          ],
        };
      }
    },

    async execute(ctx, p) {
      const { name, values, expect } = resolveUpdate(p);
      const provider = (await providers()).createProvider(ctx, p, factories);
      const outcome = await applyRecordChange(provider, { name, type: p.type, ttl: p.ttl, values }, expect);
      const output = {
        provider: p.provider,
        target: provider.label,
        name,
        type: p.type,
        changed: outcome.changed,
        from: outcome.from ?? null,
        to: outcome.to,
        ...(outcome.receipt?.reference ? { reference: outcome.receipt.reference } : {}),
        ...(outcome.receipt?.details ? { details: outcome.receipt.details } : {}),
      };
      const summary = outcome.changed
        ? `${name} ${p.type}: ${describeSet(outcome.from)} → ${describeSet(outcome.to)} on ${provider.label}`
        : `${name} ${p.type} already holds ${describeSet(outcome.to)} on ${provider.label}: nothing to change`;
      ctx.logger.info(ctx.redact(summary), { changed: outcome.changed });
      return { summary: ctx.redact(summary), output };
    },

    undo(p, output) {
      const from = output.from as { values: string[]; ttl: number } | null | undefined;
      const to = output.to as { values: string[] } | undefined;
      if (output.changed !== true) {
        return (
          this.inverse?.(p) ?? {
            nothing: `${String(output.name)} ${p.type} already held the target when it ran, and the task gives no expect to go back to`,
          }
        );
      }
      if (!from) {
        return {
          nothing: `it created ${String(output.name)} ${p.type}, which did not exist before: delete it by hand if it must go`,
        };
      }
      const rest: Record<string, unknown> = { ...p };
      delete rest.value;
      delete rest.values;
      const written = to?.values ?? [];
      return {
        action: 'dns.update',
        with: {
          ...rest,
          ...(from.values.length === 1 ? { value: from.values[0] } : { values: from.values }),
          ttl: from.ttl,
          expect: written.length === 1 ? written[0] : written,
        },
      };
    },
    touches: (p) => [`dns ${absoluteName(p.name, p.zone)} ${p.type}`],

    inverse(p) {
      const expect = asList(p.expect);
      // Without the old value there is nothing to go back to; `[]` (created) is undone by hand.
      if (expect === undefined || expect.length === 0) return undefined;
      const rest: Record<string, unknown> = { ...p };
      delete rest.value;
      delete rest.values;
      const newValues = asList(p.values ?? p.value) ?? [];
      return {
        action: 'dns.update',
        with: {
          ...rest,
          ...(expect.length === 1 ? { value: expect[0] } : { values: expect }),
          expect: newValues.length === 1 ? newValues[0] : newValues,
        },
      };
    },
  };
}

export const dnsUpdateAction = createDnsUpdateAction();
