import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { Answer, RecordType as PacketRecordType } from 'dns-packet';
import { TminusError } from '../../../core/tminus-error.js';
import type { DnsServer, ExchangeOptions } from './dns-transport.js';
import { exchange } from './dns-transport.js';
import { canonicalName } from './dns-name.js';

const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];
/** `NXRRSET` for 8, `RCODE_12` for codes without a name. */
export const rcodeName = (code: number): string => RCODES[code] ?? `RCODE_${code}`;

/** One resource record of an answer, with its value as text (`192.0.2.10`, `app.example.net`, TXT joined). */
export interface LookupRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly value: string;
}

export interface LookupResult {
  readonly server: string;
  readonly rcode: string;
  /** The server answered with authority for the name (AA flag). */
  readonly authoritative: boolean;
  readonly answers: readonly LookupRecord[];
  readonly authorities: readonly LookupRecord[];
  readonly additionals: readonly LookupRecord[];
}

function valueText(a: Answer): string {
  const data = (a as { data?: unknown }).data;
  if (a.type === 'TXT') {
    const parts = Array.isArray(data) ? data : [data];
    return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join('');
  }
  if (a.type === 'SOA') {
    const s = data as dnsPacket.SoaData;
    return `${canonicalName(s.mname)} ${canonicalName(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
  }
  if (a.type === 'MX') {
    const m = data as dnsPacket.MxData;
    return `${m.preference} ${canonicalName(m.exchange)}`;
  }
  if (typeof data === 'string') {
    return ['CNAME', 'NS', 'PTR', 'DNAME'].includes(a.type) ? canonicalName(data) : data;
  }
  return Buffer.isBuffer(data) ? data.toString('hex') : JSON.stringify(data);
}

const records = (list: readonly Answer[] | undefined): LookupRecord[] =>
  (list ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => ({
      name: canonicalName(a.name),
      type: a.type,
      ttl: (a as { ttl?: number }).ttl ?? 0,
      value: valueText(a),
    }));

/**
 * Asks one server one question. `recursion: false` clears RD, as a propagation check of an authoritative
 * server must (a recursive answer from a cache proves nothing about the zone).
 */
export async function lookup(
  server: DnsServer,
  name: string,
  type: string,
  options: ExchangeOptions & { readonly recursion: boolean },
): Promise<LookupResult> {
  const query = dnsPacket.encode({
    type: 'query',
    id: randomInt(0, 0x10000),
    flags: options.recursion ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type: type as PacketRecordType, name: canonicalName(name) }],
  });
  const raw = await exchange(server, query, options);
  let decoded: dnsPacket.DecodedPacket;
  try {
    decoded = dnsPacket.decode(raw);
  } catch (cause) {
    throw new TminusError('DNS_BAD_RESPONSE', `${server.label} sent a response that cannot be decoded`, {
      cause,
    });
  }
  return {
    server: server.label,
    rcode: rcodeName(raw.readUInt8(3) & 0x0f),
    authoritative: decoded.flag_aa,
    answers: records(decoded.answers),
    authorities: records(decoded.authorities),
    additionals: records(decoded.additionals),
  };
}
