import { TminusError } from '../../../core/tminus-error.js';
import type { RecordType } from '../dns-wire/dns-rdata.js';
import type { DnsServer, ExchangeOptions } from '../dns-wire/dns-transport.js';
import type { TsigKey } from '../dns-wire/tsig.js';
import type { Prerequisite, Update } from '../dns-wire/update-message.js';
import { lookup } from '../dns-wire/dns-lookup.js';
import { sendUpdate } from '../dns-wire/send-update.js';
import type { DnsProvider, RecordSet, WriteReceipt } from './dns-provider.js';

const REFUSALS: Readonly<Record<string, string>> = {
  REFUSED:
    'the server refused the update (REFUSED): its update-policy / ACL does not allow this key or address',
  NOTAUTH: 'the server is not authoritative for the zone, or does not accept updates for it (NOTAUTH)',
  NOTZONE: 'the name is not inside the zone given (NOTZONE)',
  FORMERR: 'the server could not parse the update (FORMERR)',
  NOTIMP: 'the server does not implement dynamic updates (NOTIMP)',
  YXDOMAIN: 'a name that must not exist exists (YXDOMAIN)',
};

/**
 * Records on a primary server reached with RFC 2136 dynamic updates, signed with TSIG. The compare-and-swap
 * is the server's own: one UPDATE with the prerequisite "RRset exists (value dependent)" (or "RRset does not
 * exist"), so a record changed by someone else in between makes the server answer NXRRSET/YXRRSET and
 * change nothing.
 */
export class Rfc2136Provider implements DnsProvider {
  readonly label: string;

  constructor(
    private readonly server: DnsServer,
    private readonly zone: string,
    private readonly key: TsigKey | undefined,
    private readonly options: ExchangeOptions,
  ) {
    this.label = `rfc2136 ${server.label}`;
  }

  async read(name: string, type: RecordType): Promise<RecordSet | undefined> {
    const result = await lookup(this.server, name, type, { ...this.options, recursion: false });
    if (result.rcode === 'NXDOMAIN') return undefined;
    if (result.rcode !== 'NOERROR' || !result.authoritative) {
      throw new TminusError(
        'DNS_UPDATE_REFUSED',
        `${this.server.label} is not authoritative for ${name} (answered ${result.rcode}${result.authoritative ? '' : ' without AA'})`,
        { hint: `point server: at the primary of zone ${this.zone}`, retryable: false },
      );
    }
    const rrs = result.answers.filter((a) => a.name === name && a.type === type);
    if (rrs.length === 0) return undefined;
    return { values: rrs.map((r) => r.value), ttl: Math.min(...rrs.map((r) => r.ttl)) };
  }

  /** The zone's SOA serial on this server, for evidence that a change landed. */
  async serial(): Promise<number | undefined> {
    const result = await lookup(this.server, this.zone, 'SOA', { ...this.options, recursion: false });
    const soa = result.answers.find((a) => a.type === 'SOA');
    return soa === undefined ? undefined : Number(soa.value.split(' ')[2]);
  }

  async write(
    name: string,
    type: RecordType,
    current: RecordSet | undefined,
    next: RecordSet,
  ): Promise<WriteReceipt> {
    const prerequisite: Prerequisite = current
      ? { kind: 'rrset-equals', name, type, values: current.values }
      : { kind: 'rrset-absent', name, type };
    const updates: Update[] = [
      { kind: 'delete-rrset', name, type },
      ...next.values.map((value) => ({ kind: 'add' as const, name, type, ttl: next.ttl, value })),
    ];
    const rcode = await sendUpdate(
      this.server,
      { zone: this.zone, prerequisites: [prerequisite], updates },
      this.key,
      this.options,
    );
    if (rcode === 'NXRRSET' || rcode === 'YXRRSET') {
      throw new TminusError(
        'DNS_CAS_MISMATCH',
        `${this.server.label} refused the compare-and-swap on ${name} ${type} (${rcode}): the record no longer holds ${current ? current.values.join(', ') : 'nothing'}`,
        { retryable: false },
      );
    }
    if (rcode === 'SERVFAIL') {
      throw new TminusError(
        'DNS_UPDATE_REFUSED',
        `${this.server.label} failed to apply the update (SERVFAIL)`,
        {
          retryable: true,
        },
      );
    }
    if (rcode !== 'NOERROR') {
      throw new TminusError(
        'DNS_UPDATE_REFUSED',
        `${this.server.label} rejected the update of ${name} ${type} in zone ${this.zone}: ${REFUSALS[rcode] ?? rcode}`,
        { retryable: false },
      );
    }
    const serial = await this.serial();
    return { reference: serial === undefined ? undefined : `serial ${serial}`, details: { serial, rcode } };
  }
}
