import { Route53Client } from '@aws-sdk/client-route-53';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';
import Cloudflare from 'cloudflare';
import type { ClientOptions as CloudflareOptions } from 'cloudflare';
import { parseDuration } from '../../../core/plan/duration.js';
import { TminusError } from '../../../core/tminus-error.js';
import type { ActionContext, ResolvedConnection } from '../../../engine/action.js';
import { parseServer } from '../dns-wire/dns-transport.js';
import type { TsigKey } from '../dns-wire/tsig.js';
import type { DnsProvider } from './dns-provider.js';
import type { RecordTarget } from './dns-record-params.js';
import { tsigSchema } from './dns-record-params.js';
import { Rfc2136Provider } from './rfc2136-provider.js';
import { Route53Provider } from './route53-provider.js';
import { CloudflareProvider } from './cloudflare-provider.js';

/**
 * How the cloud SDK clients are built. Tests pass factories that give the real SDK client a local request
 * handler (AWS) or fetch (Cloudflare), so everything above the HTTP boundary is the shipped code.
 */
export interface DnsClientFactories {
  readonly route53?: (config: Route53ClientConfig) => Route53Client;
  readonly cloudflare?: (options: CloudflareOptions) => Cloudflare;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function tsigFrom(p: RecordTarget, conn: ResolvedConnection | undefined): TsigKey | undefined {
  if (p.tsig) return p.tsig;
  const raw = conn?.options.tsig;
  if (raw === undefined) return undefined;
  const parsed = tsigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TminusError(
      'INVALID_PARAMS',
      `connection '${conn?.name}': options.tsig is not a TSIG key: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      { retryable: false },
    );
  }
  return parsed.data;
}

/** Milliseconds of a duration the schema already checked. */
export const durationMs = (d: string): number => parseDuration(d) ?? 0;

/** Builds the provider a `dns.update` / `dns.lower-ttl` call names, from its parameters and connection. */
export function createProvider(
  ctx: ActionContext,
  p: RecordTarget,
  factories: DnsClientFactories,
): DnsProvider {
  const conn = p.connection === undefined ? undefined : ctx.connection(p.connection);
  const opt = (key: string) => text(conn?.options[key]);
  const missing = (what: string) =>
    new TminusError(
      'INVALID_PARAMS',
      `${p.provider}: ${what} is not set (in with: or the connection's options)`,
      {
        retryable: false,
      },
    );
  switch (p.provider) {
    case 'rfc2136': {
      const server = p.server ?? conn?.url;
      if (server === undefined) throw missing('server');
      return new Rfc2136Provider(parseServer(server), p.zone, tsigFrom(p, conn), {
        // TSIG signs wall-clock time and the server checks it: never the sped-up rehearsal clock.
        clock: ctx.realClock ?? ctx.clock,
        signal: ctx.signal,
        timeoutMs: durationMs(p.timeout),
      });
    }
    case 'route53': {
      const hostedZoneId = p.hostedZoneId ?? opt('hostedZoneId');
      if (hostedZoneId === undefined) throw missing('hostedZoneId');
      const accessKeyId = opt('accessKeyId');
      const secretAccessKey = opt('secretAccessKey');
      const config: Route53ClientConfig = {
        region: p.region ?? opt('region') ?? 'us-east-1',
        requestHandler: { requestTimeout: durationMs(p.timeout) },
        ...(accessKeyId && secretAccessKey
          ? { credentials: { accessKeyId, secretAccessKey, sessionToken: opt('sessionToken') } }
          : {}),
      };
      const client = factories.route53?.(config) ?? new Route53Client(config);
      return new Route53Provider(client, hostedZoneId, {
        clock: ctx.clock,
        signal: ctx.signal,
        pollIntervalMs: durationMs(p.pollInterval),
        syncTimeoutMs: durationMs(p.syncTimeout),
        redact: (t) => ctx.redact(t),
      });
    }
    case 'cloudflare': {
      const zoneId = p.zoneId ?? opt('zoneId');
      const apiToken = p.apiToken ?? opt('apiToken');
      if (zoneId === undefined) throw missing('zoneId');
      if (apiToken === undefined) throw missing('apiToken');
      const options: CloudflareOptions = { apiToken, timeout: durationMs(p.timeout), maxRetries: 0 };
      const client = factories.cloudflare?.(options) ?? new Cloudflare(options);
      return new CloudflareProvider(client, zoneId, (t) => ctx.redact(t));
    }
  }
}
