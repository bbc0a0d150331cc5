import type { RecordType } from '../dns-wire/dns-rdata.js';

/** The values and TTL of one RRset (name + type). */
export interface RecordSet {
  readonly values: readonly string[];
  readonly ttl: number;
}

/** What a write reports, for the run log and evidence. */
export interface WriteReceipt {
  /** Provider-side reference: a Route 53 change id, Cloudflare record ids, the new SOA serial. */
  readonly reference?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Where DNS records live: an RFC 2136 server, Route 53, Cloudflare. Names are absolute, lower-case, without
 * the trailing dot.
 */
export interface DnsProvider {
  /** `rfc2136 127.0.0.1:5300`, `route53 Z0123`, `cloudflare 023e…`: names the target in messages. */
  readonly label: string;
  /** The RRset as the provider holds it now; undefined when there is none. */
  read(name: string, type: RecordType): Promise<RecordSet | undefined>;
  /**
   * Replaces the RRset with `next`, but only while it still holds `current` (undefined: while it does not
   * exist). When it no longer does, throws DNS_CAS_MISMATCH and changes nothing — atomically where the
   * provider can (RFC 2136 prerequisites, Route 53 DELETE+CREATE batches), else read-check-write.
   */
  write(
    name: string,
    type: RecordType,
    current: RecordSet | undefined,
    next: RecordSet,
  ): Promise<WriteReceipt>;
}
