import { isIPv4, isIPv6 } from 'node:net';
import { TminusError } from '../../../core/tminus-error.js';
import { canonicalName, encodeName } from './dns-name.js';

/** Record types the DNS actions can write (and compare). */
export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const RECORD_TYPE_CODES: Readonly<Record<RecordType, number>> = { A: 1, AAAA: 28, CNAME: 5, TXT: 16 };

function ipv6Bytes(text: string): Buffer {
  let head = text;
  let v4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two 16-bit groups.
    v4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (v4.length === 4) Buffer.from(v4).copy(out, 12);
  return out;
}

function badValue(type: RecordType, value: string, expected: string): TminusError {
  return new TminusError('INVALID_PARAMS', `'${value}' is not a valid ${type} value: expected ${expected}`, {
    retryable: false,
  });
}

/** Checks a record value written by a person and says what is wrong with it; undefined when it is fine. */
export function checkRecordValue(type: RecordType, value: string): TminusError | undefined {
  switch (type) {
    case 'A':
      return isIPv4(value) ? undefined : badValue(type, value, 'an IPv4 address such as 192.0.2.10');
    case 'AAAA':
      return isIPv6(value) ? undefined : badValue(type, value, 'an IPv6 address such as 2001:db8::10');
    case 'CNAME':
      return /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_-]+\.?$/.test(value)
        ? undefined
        : badValue(type, value, 'a domain name such as app.example.net');
    case 'TXT':
      return Buffer.byteLength(value) <= 4000 ? undefined : badValue(type, value, 'at most 4000 bytes');
  }
}

/** RDATA on the wire (without the length prefix). TXT values longer than 255 bytes are split in strings. */
export function encodeRdata(type: RecordType, value: string): Buffer {
  const problem = checkRecordValue(type, value);
  if (problem) throw problem;
  switch (type) {
    case 'A':
      return Buffer.from(value.split('.').map(Number));
    case 'AAAA':
      return ipv6Bytes(value);
    case 'CNAME':
      return encodeName(value);
    case 'TXT': {
      const bytes = Buffer.from(value, 'utf8');
      const parts: Buffer[] = [];
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const chunk = bytes.subarray(i, i + 255);
        parts.push(Buffer.from([chunk.length]), chunk);
      }
      return Buffer.concat(parts);
    }
  }
}

/**
 * The form two values are compared in: addresses by their bytes (so `2001:db8::1` equals
 * `2001:0db8:0:0::1`), names case-insensitively without the trailing dot, text as is.
 */
export function normalizeValue(type: string, value: string): string {
  switch (type) {
    case 'A':
      return value.trim();
    case 'AAAA':
      return isIPv6(value.trim()) ? ipv6Bytes(value.trim()).toString('hex') : value.trim();
    case 'CNAME':
    case 'NS':
      return canonicalName(value);
    default:
      return value;
  }
}

/** Whether two value lists hold the same set of values for a type. */
export function sameValues(type: string, a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((v) => normalizeValue(type, v)));
  const right = new Set(b.map((v) => normalizeValue(type, v)));
  return left.size === right.size && [...left].every((v) => right.has(v));
}
