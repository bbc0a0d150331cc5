import type Cloudflare from 'cloudflare';
import { TminusError } from '../../../core/tminus-error.js';
import type { RecordType } from '../dns-wire/dns-rdata.js';
import { sameValues } from '../dns-wire/dns-rdata.js';
import { canonicalName } from '../dns-wire/dns-name.js';
import type { DnsProvider, RecordSet, WriteReceipt } from './dns-provider.js';

interface CfRecord {
  readonly id: string;
  readonly content: string;
  readonly ttl: number;
}

/** Cloudflare's `1` means "automatic" (300 s); its floor is 60 s (30 s on Enterprise). */
const AUTO_TTL = 300;

function providerError(what: string, cause: unknown, redact: (t: string) => string): TminusError {
  const status = (cause as { status?: number }).status;
  const message = redact(cause instanceof Error ? cause.message : String(cause));
  return new TminusError(
    'DNS_PROVIDER_ERROR',
    `cloudflare: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${message}`,
    {
      cause,
      // Authentication and validation errors do not heal by themselves; rate limits and 5xx do.
      retryable: status === undefined || status === 429 || status >= 500,
    },
  );
}

/**
 * Records in a Cloudflare zone through the official SDK. Cloudflare has no conditional write, so the
 * compare-and-swap is read-check-write: re-read just before the batch and refuse if the record moved; the
 * batch (deletes, then posts) runs in one Cloudflare transaction.
 */
export class CloudflareProvider implements DnsProvider {
  readonly label: string;

  constructor(
    private readonly client: Cloudflare,
    private readonly zoneId: string,
    private readonly redact: (text: string) => string,
  ) {
    this.label = `cloudflare zone ${zoneId}`;
  }

  private async records(name: string, type: RecordType): Promise<CfRecord[]> {
    try {
      const out: CfRecord[] = [];
      for await (const r of this.client.dns.records.list({
        zone_id: this.zoneId,
        name: { exact: name },
        type,
      })) {
        if (canonicalName(r.name) === name && r.type === type) {
          out.push({ id: r.id, content: r.content ?? '', ttl: r.ttl === 1 ? AUTO_TTL : r.ttl });
        }
      }
      return out;
    } catch (cause) {
      throw providerError(`listing ${name} ${type}`, cause, this.redact);
    }
  }

  async read(name: string, type: RecordType): Promise<RecordSet | undefined> {
    const rs = await this.records(name, type);
    if (rs.length === 0) return undefined;
    return { values: rs.map((r) => r.content), ttl: Math.min(...rs.map((r) => r.ttl)) };
  }

  async write(
    name: string,
    type: RecordType,
    current: RecordSet | undefined,
    next: RecordSet,
  ): Promise<WriteReceipt> {
    if (next.ttl !== 1 && (next.ttl < 30 || next.ttl > 86_400)) {
      throw new TminusError(
        'INVALID_PARAMS',
        `cloudflare does not accept TTL ${next.ttl}: use 1 (automatic) or 60–86400 s (30 s on Enterprise plans)`,
        { retryable: false },
      );
    }
    const existing = await this.records(name, type);
    const stillCurrent = current
      ? existing.length > 0 &&
        sameValues(
          type,
          existing.map((r) => r.content),
          current.values,
        )
      : existing.length === 0;
    if (!stillCurrent) {
      throw new TminusError(
        'DNS_CAS_MISMATCH',
        `cloudflare: ${name} ${type} changed while switching: it now holds ${existing.map((r) => r.content).join(', ') || 'nothing'}`,
        { retryable: false },
      );
    }
    try {
      const result = await this.client.dns.records.batch({
        zone_id: this.zoneId,
        deletes: existing.map((r) => ({ id: r.id })),
        posts: next.values.map(
          (content) => ({ name, type, content, ttl: next.ttl, proxied: false }) as never,
        ),
      });
      const ids = (result.posts ?? []).map((r) => r.id);
      return { reference: ids.join(','), details: { deleted: existing.map((r) => r.id), created: ids } };
    } catch (cause) {
      throw providerError(`updating ${name} ${type}`, cause, this.redact);
    }
  }
}
