import type { ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import type { Clock } from '../../../core/clock.js';
import { TminusError } from '../../../core/tminus-error.js';
import type { RecordType } from '../dns-wire/dns-rdata.js';
import { canonicalName } from '../dns-wire/dns-name.js';
import type { DnsProvider, RecordSet, WriteReceipt } from './dns-provider.js';

export interface Route53Options {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly pollIntervalMs: number;
  readonly syncTimeoutMs: number;
  readonly redact: (text: string) => string;
}

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
]);

function providerError(what: string, cause: unknown, redact: (t: string) => string): TminusError {
  const name = (cause as { name?: string }).name ?? 'Error';
  const message = redact(cause instanceof Error ? cause.message : String(cause));
  return new TminusError('DNS_PROVIDER_ERROR', `route53: ${what} failed (${name}): ${message}`, {
    cause,
    retryable: RETRYABLE.has(name),
  });
}

const rrset = (name: string, type: RecordType, set: RecordSet) => ({
  Name: `${name}.`,
  Type: type,
  TTL: set.ttl,
  ResourceRecords: set.values.map((v) => ({ Value: type === 'TXT' ? JSON.stringify(v) : v })),
});

/** Route 53 returns TXT values quoted (`"v=spf1 -all"`); compare them unquoted like the other providers. */
const unquote = (type: string, v: string) =>
  type === 'TXT' && v.startsWith('"') && v.endsWith('"') ? (JSON.parse(v) as string) : v;

/**
 * Records in a Route 53 hosted zone through AWS SDK v3. The compare-and-swap is atomic: one change batch
 * DELETEs the RRset with exactly its current values and TTL and CREATEs the new one; Route 53 rejects the
 * whole batch (InvalidChangeBatch) when the current values differ. Then GetChange is polled on the clock
 * until the change is INSYNC on all Route 53 name servers.
 */
export class Route53Provider implements DnsProvider {
  readonly label: string;

  constructor(
    private readonly client: Route53Client,
    private readonly hostedZoneId: string,
    private readonly options: Route53Options,
  ) {
    this.label = `route53 zone ${hostedZoneId}`;
  }

  async read(name: string, type: RecordType): Promise<RecordSet | undefined> {
    let found: ResourceRecordSet[];
    try {
      const out = await this.client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: this.hostedZoneId,
          StartRecordName: `${name}.`,
          StartRecordType: type,
          // Enough to see every routing-policy variant of the name and type, not only the first.
          MaxItems: 20,
        }),
        { abortSignal: this.options.signal },
      );
      found = out.ResourceRecordSets ?? [];
    } catch (cause) {
      throw providerError(`reading ${name} ${type}`, cause, this.options.redact);
    }
    const sets = found.filter((s) => canonicalName(s.Name ?? '') === name && s.Type === type);
    const routed = sets.find((s) => s.SetIdentifier !== undefined);
    if (routed) {
      throw new TminusError(
        'INVALID_PARAMS',
        `route53: ${name} ${type} uses a routing policy (set identifier '${routed.SetIdentifier}'): dns.update switches simple records only`,
        {
          hint: 'shift weighted records with traffic.shift, or switch them in the console',
          retryable: false,
        },
      );
    }
    const set = sets[0];
    if (!set) return undefined;
    if (set.AliasTarget) {
      throw new TminusError(
        'INVALID_PARAMS',
        `route53: ${name} ${type} is an alias to ${set.AliasTarget.DNSName ?? '?'}: dns.update switches records with values only`,
        { retryable: false },
      );
    }
    return {
      values: (set.ResourceRecords ?? []).map((r) => unquote(type, r.Value ?? '')),
      ttl: set.TTL ?? 0,
    };
  }

  async write(
    name: string,
    type: RecordType,
    current: RecordSet | undefined,
    next: RecordSet,
  ): Promise<WriteReceipt> {
    const changes = [
      ...(current ? [{ Action: 'DELETE' as const, ResourceRecordSet: rrset(name, type, current) }] : []),
      { Action: 'CREATE' as const, ResourceRecordSet: rrset(name, type, next) },
    ];
    let changeId: string;
    try {
      const out = await this.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: this.hostedZoneId,
          ChangeBatch: { Comment: 'tminus cutover', Changes: changes },
        }),
        { abortSignal: this.options.signal },
      );
      changeId = out.ChangeInfo?.Id ?? '';
    } catch (cause) {
      if ((cause as { name?: string }).name === 'InvalidChangeBatch') {
        throw new TminusError(
          'DNS_CAS_MISMATCH',
          `route53 refused the compare-and-swap on ${name} ${type}: ${this.options.redact((cause as Error).message)}`,
          { cause, retryable: false },
        );
      }
      throw providerError(`changing ${name} ${type}`, cause, this.options.redact);
    }
    const { clock, signal, pollIntervalMs, syncTimeoutMs } = this.options;
    const deadline = clock.now() + syncTimeoutMs;
    for (;;) {
      let status: string | undefined;
      try {
        const out = await this.client.send(new GetChangeCommand({ Id: changeId }), { abortSignal: signal });
        status = out.ChangeInfo?.Status;
      } catch (cause) {
        throw providerError(`GetChange ${changeId}`, cause, this.options.redact);
      }
      if (status === 'INSYNC') return { reference: changeId, details: { changeId, status } };
      if (clock.now() + pollIntervalMs > deadline) {
        throw new TminusError(
          'DNS_NOT_PROPAGATED',
          `route53 change ${changeId} is still ${status ?? 'unknown'} after ${Math.round(syncTimeoutMs / 1000)} s`,
          {
            hint: 'the change was accepted; raise syncTimeout or check the change in the console',
            retryable: true,
          },
        );
      }
      await clock.sleep(pollIntervalMs, signal);
    }
  }
}
