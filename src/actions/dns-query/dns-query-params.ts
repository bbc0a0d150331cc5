import { z } from 'zod';
import { duration } from '../../core/plan/plan-schema.js';

/** Types `dns.query` / `dns.verify` may ask for (values compared as text; see `normalizeValue`). */
export const QUERY_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'SOA', 'PTR'] as const;

const valueList = z.union([z.string().min(1), z.array(z.string().min(1))]);

export const expectationSchema = z
  .strictObject({
    values: valueList
      .optional()
      .meta({ description: 'The value(s) every server must answer (as a set; order does not matter).' }),
    absent: z
      .literal(true)
      .optional()
      .meta({ description: 'The name must not exist (NXDOMAIN) or hold no record of the type.' }),
    ttl: z.int().min(0).optional().meta({ description: 'The exact TTL authoritative servers must answer.' }),
    maxTtl: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'The highest TTL allowed, e.g. to prove a pre-lowered TTL is in force.' }),
    minSerial: z
      .int()
      .min(0)
      .optional()
      .meta({ description: 'The lowest SOA serial of the zone every server must have (needs `zone`).' }),
  })
  .meta({ description: 'What every server must answer.' });

/** Parameters shared by `dns.query` and `dns.verify`. */
export const dnsQueryFields = {
  name: z.string().min(1).meta({ description: 'The name to ask for: absolute, or relative to `zone`.' }),
  type: z.enum(QUERY_TYPES).default('A').meta({ description: 'Record type to ask for.' }),
  servers: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({ description: 'Servers to ask, IP[:port] each: resolvers or authoritative servers.' }),
  zone: z.string().min(1).optional().meta({
    description: 'The zone: needed for `authoritative` and for SOA serials, and for relative names.',
  }),
  authoritative: z.boolean().default(false).meta({
    description:
      'Ask every authoritative server of `zone`: found via its NS records and their addresses (through `resolver`), queried with RD=0.',
  }),
  resolver: z.string().min(1).optional().meta({
    description:
      'IP[:port] used to find the NS records and their addresses (default: the first of `servers`).',
  }),
  port: z
    .int()
    .min(1)
    .max(65535)
    .default(53)
    .meta({ description: 'Port the discovered authoritative servers are asked on.' }),
  recursion: z.boolean().optional().meta({
    description: 'Set RD (recursion desired). Default: off for authoritative checks, on for `servers`.',
  }),
  expect: expectationSchema.optional(),
  old: valueList.optional().meta({
    description: 'The old value(s): servers still answering them are reported as "old" (not yet switched).',
  }),
  timeout: duration().default('3s').meta({ description: 'Per server: how long to wait for an answer.' }),
};

const shape = z.strictObject(dnsQueryFields);
export type DnsQueryParams = z.infer<typeof shape>;

/** Cross-field checks: where to ask must be known. */
export function checkQuery(p: DnsQueryParams, ctx: z.RefinementCtx): void {
  if (p.authoritative) {
    if (p.zone === undefined) {
      ctx.addIssue({ code: 'custom', path: ['zone'], message: 'authoritative: true needs the zone' });
    }
    if (p.resolver === undefined && p.servers === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['resolver'],
        message: 'authoritative: true needs a resolver (or servers) to find the NS records through',
      });
    }
  } else if (p.servers === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['servers'],
      message: 'give servers: [IP[:port], ...] or authoritative: true',
    });
  }
  if (p.expect?.absent && p.expect.values !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['expect', 'absent'],
      message: 'expect either values or absent, not both',
    });
  }
  if (p.expect?.minSerial !== undefined && p.zone === undefined) {
    ctx.addIssue({ code: 'custom', path: ['expect', 'minSerial'], message: 'minSerial needs the zone' });
  }
}

export const dnsQueryParams = shape.superRefine(checkQuery);
