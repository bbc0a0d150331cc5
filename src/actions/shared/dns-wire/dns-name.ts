import { TminusError } from '../../../core/tminus-error.js';

/**
 * Domain names as the DNS actions handle them: absolute, lower-case, without the trailing dot
 * (`www.example.test`); the root is the empty string.
 */
export function canonicalName(name: string): string {
  const trimmed = name.trim().toLowerCase();
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

/**
 * The absolute name of `name` in `zone`: `www` in `example.test` is `www.example.test`, `@` is the apex, and
 * a name already inside the zone (or ending with a dot) is taken as written.
 *
 * @example absoluteName('www', 'example.test') // 'www.example.test'
 */
export function absoluteName(name: string, zone: string | undefined): string {
  const z = zone === undefined ? undefined : canonicalName(zone);
  if (name === '@') return z ?? '';
  if (name.endsWith('.') || z === undefined) return canonicalName(name);
  const n = canonicalName(name);
  return n === z || n.endsWith(`.${z}`) ? n : `${n}.${z}`;
}

/** Whether `name` is `zone` or below it. */
export function isInZone(name: string, zone: string): boolean {
  const n = canonicalName(name);
  const z = canonicalName(zone);
  return z === '' || n === z || n.endsWith(`.${z}`);
}

/**
 * Uncompressed wire format of a name (RFC 1035 §3.1), lower-cased: the canonical form TSIG digests need
 * (RFC 8945 §4.3.3), and what UPDATE sections use (compression is optional and never needed here).
 */
export function encodeName(name: string): Buffer {
  const n = canonicalName(name);
  const parts: Buffer[] = [];
  let total = 1;
  for (const label of n === '' ? [] : n.split('.')) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) {
      throw new TminusError('INVALID_PARAMS', `'${name}' is not a valid domain name: label '${label}'`, {
        hint: 'labels are 1 to 63 characters, separated by single dots',
        retryable: false,
      });
    }
    parts.push(Buffer.from([bytes.length]), bytes);
    total += 1 + bytes.length;
  }
  if (total > 255) {
    throw new TminusError('INVALID_PARAMS', `'${name}' is longer than 255 bytes on the wire`, {
      retryable: false,
    });
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * Reads a possibly compressed name at `offset`; returns it and the offset just after it in the message.
 * Used to walk responses whose records dns-packet has no codec for (TSIG).
 */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  for (let hops = 0; hops < 128; hops++) {
    const len = buf.readUInt8(pos);
    if (len === 0) {
      return { name: labels.join('.').toLowerCase(), next: next === -1 ? pos + 1 : next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next === -1) next = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff;
      continue;
    }
    labels.push(buf.toString('ascii', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  throw new TminusError('DNS_BAD_RESPONSE', 'malformed DNS response: a name has a compression loop');
}
