import type { RecordType } from './dns-rdata.js';
import { RECORD_TYPE_CODES, encodeRdata } from './dns-rdata.js';
import { encodeName } from './dns-name.js';

/*
 * RFC 2136 UPDATE messages are written by hand rather than with dns-packet (used for every query and to
 * decode responses): dns-packet cannot express class NONE (its `toClass('NONE')` yields 0), its typed record
 * encoders demand RDATA, so the empty-RDATA prerequisites and deletes of RFC 2136 §2.4/§2.5 cannot be
 * written, and it has no TSIG codec. The format is small and fixed, so a dedicated writer is the safer path.
 */

const CLASS_IN = 1;
const CLASS_NONE = 254;
const CLASS_ANY = 255;
const TYPE_SOA = 6;
const OPCODE_UPDATE = 5;

/** One prerequisite (RFC 2136 §2.4). */
export type Prerequisite =
  /** The RRset exists and holds exactly these values (TTL ignored). */
  | {
      readonly kind: 'rrset-equals';
      readonly name: string;
      readonly type: RecordType;
      readonly values: readonly string[];
    }
  /** No RRset of this type exists at the name. */
  | { readonly kind: 'rrset-absent'; readonly name: string; readonly type: RecordType };

/** One update (RFC 2136 §2.5). */
export type Update =
  | { readonly kind: 'delete-rrset'; readonly name: string; readonly type: RecordType }
  | {
      readonly kind: 'add';
      readonly name: string;
      readonly type: RecordType;
      readonly ttl: number;
      readonly value: string;
    };

export interface UpdateMessage {
  readonly id: number;
  readonly zone: string;
  readonly prerequisites: readonly Prerequisite[];
  readonly updates: readonly Update[];
}

function rr(name: string, type: number, cls: number, ttl: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(cls, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

const EMPTY = Buffer.alloc(0);

function prerequisiteRecords(p: Prerequisite): Buffer[] {
  const type = RECORD_TYPE_CODES[p.type];
  if (p.kind === 'rrset-absent') return [rr(p.name, type, CLASS_NONE, 0, EMPTY)];
  // Value-dependent: the server compares the whole RRset with these records (RFC 2136 §3.2.3).
  return p.values.map((v) => rr(p.name, type, CLASS_IN, 0, encodeRdata(p.type, v)));
}

function updateRecord(u: Update): Buffer {
  const type = RECORD_TYPE_CODES[u.type];
  if (u.kind === 'delete-rrset') return rr(u.name, type, CLASS_ANY, 0, EMPTY);
  return rr(u.name, type, CLASS_IN, u.ttl, encodeRdata(u.type, u.value));
}

/**
 * Encodes an UPDATE request (without TSIG; sign it with `signMessage`).
 *
 * @example
 * encodeUpdate({ id: 7, zone: 'example.test',
 *   prerequisites: [{ kind: 'rrset-equals', name: 'www.example.test', type: 'A', values: ['192.0.2.10'] }],
 *   updates: [{ kind: 'delete-rrset', name: 'www.example.test', type: 'A' },
 *             { kind: 'add', name: 'www.example.test', type: 'A', ttl: 60, value: '198.51.100.20' }] });
 */
export function encodeUpdate(message: UpdateMessage): Buffer {
  const prerequisites = message.prerequisites.flatMap(prerequisiteRecords);
  const updates = message.updates.map(updateRecord);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.id, 0);
  header.writeUInt16BE(OPCODE_UPDATE << 11, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(prerequisites.length, 6); // PRCOUNT
  header.writeUInt16BE(updates.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT (TSIG is appended by signMessage)
  const zone = Buffer.concat([encodeName(message.zone), Buffer.from([0, TYPE_SOA, 0, CLASS_IN])]);
  return Buffer.concat([header, zone, ...prerequisites, ...updates]);
}
