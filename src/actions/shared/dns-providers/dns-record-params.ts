import { z } from 'zod';
import { duration } from '../../../core/plan/plan-schema.js';
import { RECORD_TYPES } from '../dns-wire/dns-rdata.js';
import { TSIG_ALGORITHMS } from '../dns-wire/tsig.js';

export const DNS_PROVIDERS = ['rfc2136', 'route53', 'cloudflare'] as const;
export type DnsProviderName = (typeof DNS_PROVIDERS)[number];

const ALGORITHMS = Object.keys(TSIG_ALGORITHMS) as [
  keyof typeof TSIG_ALGORITHMS,
  ...(keyof typeof TSIG_ALGORITHMS)[],
];

/** A TSIG key: the secret only by reference (`${env:TSIG_SECRET}`), resolved when the action runs. */
export const tsigSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: "The key's name as the server knows it, e.g. cutover-key." }),
    algorithm: z
      .enum(ALGORITHMS)
      .default('hmac-sha256')
      .meta({ description: 'HMAC algorithm (RFC 8945); hmac-sha256 unless the key says otherwise.' }),
    secret: z
      .string()
      .min(1)
      .meta({ description: 'Base64 secret, by reference only: ${env:TSIG_SECRET} or ${file:/path}.' }),
  })
  .meta({ description: 'TSIG key that signs the RFC 2136 update; the response must be signed with it too.' });

/**
 * Where the record lives and which record it is: shared by `dns.update` and `dns.lower-ttl`. Provider
 * settings may also come from a named connection (`connection: primary-dns`): its `url` is the server
 * (`dns://127.0.0.1:5300`) and its `options` hold `tsig`, `hostedZoneId`, `region`, `zoneId`, `apiToken`.
 */
export const recordTargetFields = {
  provider: z
    .enum(DNS_PROVIDERS)
    .default('rfc2136')
    .meta({ description: 'rfc2136 (dynamic update + TSIG to a primary server), route53 or cloudflare.' }),
  connection: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'A connection from `connections:` that holds the server/credentials.' }),
  server: z.string().min(1).optional().meta({
    description: 'rfc2136: the primary server, IP[:port], e.g. 127.0.0.1:5300 (port 53 by default).',
  }),
  zone: z.string().min(1).meta({ description: 'The zone, e.g. example.com.' }),
  name: z
    .string()
    .min(1)
    .meta({ description: 'The record name, relative to the zone (www, @) or absolute (www.example.com.).' }),
  type: z.enum(RECORD_TYPES).default('A').meta({ description: 'Record type: A, AAAA, CNAME or TXT.' }),
  tsig: tsigSchema.optional(),
  hostedZoneId: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'route53: the hosted zone id, e.g. Z0123456789ABC.' }),
  region: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'route53: AWS region of the API client (us-east-1).' }),
  zoneId: z.string().min(1).optional().meta({ description: 'cloudflare: the zone id.' }),
  apiToken: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'cloudflare: API token, by reference only: ${env:CLOUDFLARE_API_TOKEN}.' }),
  timeout: duration()
    .default('5s')
    .meta({ description: 'Per request: how long to wait for the server or API to answer.' }),
  syncTimeout: duration()
    .default('5m')
    .meta({ description: 'route53: how long to wait for the change to reach INSYNC.' }),
  pollInterval: duration().default('5s').meta({ description: 'route53: how often to ask GetChange.' }),
};

type TargetShape = z.infer<z.ZodObject<typeof recordTargetFields>>;

/** Provider-specific required settings, as issues on the parameter object. */
export function checkTarget(p: TargetShape, ctx: z.RefinementCtx): void {
  if (p.connection !== undefined) return;
  const need = (key: keyof TargetShape, why: string) => {
    if (p[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: why });
  };
  if (p.provider === 'rfc2136') {
    need('server', 'rfc2136 needs server: IP[:port] of the primary, or a connection');
  }
  if (p.provider === 'route53') need('hostedZoneId', 'route53 needs hostedZoneId, or a connection');
  if (p.provider === 'cloudflare') {
    need('zoneId', 'cloudflare needs zoneId, or a connection');
    need('apiToken', 'cloudflare needs apiToken (by reference), or a connection');
  }
  if (p.provider !== 'rfc2136' && p.tsig !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['tsig'],
      message: `tsig applies to rfc2136 only, not ${p.provider}`,
    });
  }
}

export type RecordTarget = TargetShape;
