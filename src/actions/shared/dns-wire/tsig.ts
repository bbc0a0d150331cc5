import { createHmac, timingSafeEqual } from 'node:crypto';
import { TminusError } from '../../../core/tminus-error.js';
import { canonicalName, encodeName, readName } from './dns-name.js';

/** TSIG algorithms (RFC 8945 §6) and the node:crypto digests behind them. */
export const TSIG_ALGORITHMS = {
  'hmac-sha1': 'sha1',
  'hmac-sha224': 'sha224',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
} as const;
export type TsigAlgorithm = keyof typeof TSIG_ALGORITHMS;

export interface TsigKey {
  /** The key's name as the server knows it (`cutover-key`). */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  /** Base64, as `tsig-keygen` prints it. Never put it in a message. */
  readonly secret: string;
}

const TYPE_TSIG = 250;
const CLASS_ANY = 255;
/** Seconds of clock difference the server accepts (RFC 8945 §10 recommends 300). */
const FUDGE = 300;

const TSIG_ERRORS: Readonly<Record<number, string>> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

/** `BADSIG`, `BADKEY`, ... for a TSIG error code. */
export const tsigErrorName = (code: number): string => TSIG_ERRORS[code] ?? `TSIG error ${code}`;

function secretBytes(key: TsigKey): Buffer {
  // Checked here, not by the schema: the secret usually arrives as `${env:...}` and is resolved at run time.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key.secret) || key.secret.length % 4 !== 0) {
    throw new TminusError('INVALID_PARAMS', `the secret of TSIG key '${key.name}' is not valid base64`, {
      hint: 'use the secret exactly as tsig-keygen or keymgr printed it (the value itself is not shown here)',
      retryable: false,
    });
  }
  return Buffer.from(key.secret, 'base64');
}

function uint48(seconds: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(Math.floor(seconds / 2 ** 32), 0);
  b.writeUInt32BE(seconds % 2 ** 32, 2);
  return b;
}

/** The "TSIG variables" of RFC 8945 §4.3.3, in canonical form. */
function tsigVariables(
  key: TsigKey,
  timeSigned: number,
  fudge: number,
  error: number,
  other: Buffer,
): Buffer {
  const cls = Buffer.alloc(6);
  cls.writeUInt16BE(CLASS_ANY, 0); // class ANY, TTL 0
  const tail = Buffer.alloc(6);
  tail.writeUInt16BE(fudge, 0);
  tail.writeUInt16BE(error, 2);
  tail.writeUInt16BE(other.length, 4);
  return Buffer.concat([
    encodeName(key.name),
    cls,
    encodeName(key.algorithm),
    uint48(timeSigned),
    tail,
    other,
  ]);
}

function hmac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const h = createHmac(TSIG_ALGORITHMS[key.algorithm], secretBytes(key));
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Signs a request (RFC 8945 §5.1): appends the TSIG record and increments ARCOUNT. Returns the message to send
 * and the request MAC, which the response's MAC covers.
 */
export function signMessage(
  message: Buffer,
  key: TsigKey,
  nowSeconds: number,
): { signed: Buffer; mac: Buffer } {
  const time = Math.floor(nowSeconds);
  const mac = hmac(key, message, tsigVariables(key, time, FUDGE, 0, Buffer.alloc(0)));
  const macLen = Buffer.alloc(2);
  macLen.writeUInt16BE(mac.length);
  const idErrOther = Buffer.alloc(6);
  idErrOther.writeUInt16BE(message.readUInt16BE(0), 0); // original ID; error 0; other length 0
  const fudge = Buffer.alloc(2);
  fudge.writeUInt16BE(FUDGE);
  const rdata = Buffer.concat([encodeName(key.algorithm), uint48(time), fudge, macLen, mac, idErrOther]);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(TYPE_TSIG, 0);
  head.writeUInt16BE(CLASS_ANY, 2);
  head.writeUInt32BE(0, 4);
  head.writeUInt16BE(rdata.length, 8);
  const signed = Buffer.concat([message, encodeName(key.name), head, rdata]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

interface TsigRecord {
  readonly start: number;
  readonly keyName: string;
  readonly algorithm: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly other: Buffer;
}

/** Finds the TSIG record, which must be the last record of the additional section (RFC 8945 §5.1). */
export function findTsig(msg: Buffer): TsigRecord | undefined {
  try {
    const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o));
    const [qd = 0, an = 0, ns = 0, ar = 0] = counts;
    if (ar === 0) return undefined;
    let pos = 12;
    for (let i = 0; i < qd; i++) pos = readName(msg, pos).next + 4;
    for (let i = 0; i < an + ns + ar - 1; i++) {
      pos = readName(msg, pos).next;
      pos += 10 + msg.readUInt16BE(pos + 8);
    }
    const start = pos;
    const owner = readName(msg, pos);
    pos = owner.next;
    if (msg.readUInt16BE(pos) !== TYPE_TSIG) return undefined;
    pos += 10;
    const alg = readName(msg, pos);
    pos = alg.next;
    const timeSigned = msg.readUInt16BE(pos) * 2 ** 32 + msg.readUInt32BE(pos + 2);
    const fudge = msg.readUInt16BE(pos + 6);
    const macSize = msg.readUInt16BE(pos + 8);
    pos += 10;
    const mac = msg.subarray(pos, pos + macSize);
    pos += macSize;
    const originalId = msg.readUInt16BE(pos);
    const error = msg.readUInt16BE(pos + 2);
    const otherLen = msg.readUInt16BE(pos + 4);
    const other = msg.subarray(pos + 6, pos + 6 + otherLen);
    return {
      start,
      keyName: owner.name,
      algorithm: alg.name,
      timeSigned,
      fudge,
      mac,
      originalId,
      error,
      other,
    };
  } catch (cause) {
    throw new TminusError('DNS_BAD_RESPONSE', 'malformed DNS response: cannot read its TSIG record', {
      cause,
    });
  }
}

/**
 * Verifies a signed response (RFC 8945 §5.3): the server must have signed it with the same key over our
 * request MAC, within the time fudge. Throws DNS_AUTH_FAILED when the server rejected our signature
 * (BADSIG/BADKEY/BADTIME) and DNS_BAD_RESPONSE when the response itself cannot be trusted.
 */
export function verifyResponse(
  response: Buffer,
  requestMac: Buffer,
  key: TsigKey,
  nowSeconds: number,
  server: string,
): void {
  const rcode = response.readUInt16BE(2) & 0x0f;
  const tsig = findTsig(response);
  if (!tsig) {
    throw new TminusError(
      rcode === 9 ? 'DNS_AUTH_FAILED' : 'DNS_BAD_RESPONSE',
      `${server} answered without a TSIG signature (rcode ${rcode}): the response cannot be trusted` +
        (rcode === 9 ? `; the server does not accept key '${key.name}' (NOTAUTH)` : ''),
      { retryable: false },
    );
  }
  if (tsig.error !== 0 && tsig.mac.length === 0) {
    const name = tsigErrorName(tsig.error);
    const why: Record<string, string> = {
      BADSIG: `the signature did not verify: the secret of key '${key.name}' differs from the server's`,
      BADKEY: `the server does not know key '${key.name}' (or not with algorithm ${key.algorithm})`,
      BADTIME: `the clocks differ by more than ${tsig.fudge} s`,
    };
    throw new TminusError(
      'DNS_AUTH_FAILED',
      `${server} rejected the TSIG-signed request (NOTAUTH/${name}): ${why[name] ?? 'authentication failed'}`,
      { hint: 'check the key name, algorithm and secret against the server configuration', retryable: false },
    );
  }
  if (tsig.keyName !== canonicalName(key.name) || tsig.algorithm !== key.algorithm) {
    throw new TminusError(
      'DNS_BAD_RESPONSE',
      `${server} signed its response with key '${tsig.keyName}' (${tsig.algorithm}), not '${key.name}' (${key.algorithm})`,
      { retryable: false },
    );
  }
  const unsigned = Buffer.from(response.subarray(0, tsig.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const reqLen = Buffer.alloc(2);
  reqLen.writeUInt16BE(requestMac.length);
  const expected = hmac(
    key,
    reqLen,
    requestMac,
    unsigned,
    tsigVariables(key, tsig.timeSigned, tsig.fudge, tsig.error, tsig.other),
  );
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    throw new TminusError(
      'DNS_BAD_RESPONSE',
      `the TSIG signature of the response from ${server} does not verify: the response was altered or not sent by a holder of key '${key.name}'`,
      { retryable: false },
    );
  }
  if (tsig.error !== 0) {
    // A signed error (BADTIME carries the server's clock in "other data"): authentic, and a refusal.
    const serverTime =
      tsig.other.length === 6 ? tsig.other.readUInt16BE(0) * 2 ** 32 + tsig.other.readUInt32BE(2) : undefined;
    const skew =
      serverTime === undefined ? '' : ` (ours is ${Math.round(nowSeconds - serverTime)} s off the server's)`;
    throw new TminusError(
      'DNS_AUTH_FAILED',
      `${server} rejected the TSIG-signed request (NOTAUTH/${tsigErrorName(tsig.error)})${tsig.error === 18 ? `: the clocks differ by more than ${tsig.fudge} s${skew}` : ''}`,
      { hint: 'synchronise the clocks (NTP)', retryable: false },
    );
  }
  if (Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge) {
    throw new TminusError(
      'DNS_BAD_RESPONSE',
      `the response from ${server} was signed ${Math.round(Math.abs(nowSeconds - tsig.timeSigned))} s away from our clock (fudge ${tsig.fudge} s)`,
      { hint: 'synchronise the clocks (NTP)', retryable: false },
    );
  }
}
