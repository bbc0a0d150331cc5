import { randomInt } from 'node:crypto';
import type { DnsServer, ExchangeOptions } from './dns-transport.js';
import { exchange } from './dns-transport.js';
import type { TsigKey } from './tsig.js';
import { findTsig, signMessage, tsigErrorName, verifyResponse } from './tsig.js';
import type { UpdateMessage } from './update-message.js';
import { encodeUpdate } from './update-message.js';
import { rcodeName } from './dns-lookup.js';
import { TminusError } from '../../../core/tminus-error.js';

/**
 * Sends an RFC 2136 UPDATE, signed with TSIG when a key is given, and returns the response code name
 * (`NOERROR`, `NXRRSET`, ...). A signed request's response must carry a valid signature over our request
 * MAC, otherwise it is rejected before its rcode is believed.
 */
export async function sendUpdate(
  server: DnsServer,
  update: Omit<UpdateMessage, 'id'>,
  key: TsigKey | undefined,
  options: ExchangeOptions,
): Promise<string> {
  const message = encodeUpdate({ ...update, id: randomInt(0, 0x10000) });
  if (!key) {
    const response = await exchange(server, message, options);
    const tsig = findTsig(response);
    if (tsig && tsig.error !== 0) {
      throw new TminusError(
        'DNS_AUTH_FAILED',
        `${server.label} answered with TSIG error ${tsigErrorName(tsig.error)} to an unsigned update`,
        { retryable: false },
      );
    }
    return rcodeName(response.readUInt16BE(2) & 0x0f);
  }
  const { signed, mac } = signMessage(message, key, options.clock.now() / 1000);
  const response = await exchange(server, signed, options);
  verifyResponse(response, mac, key, options.clock.now() / 1000, server.label);
  return rcodeName(response.readUInt16BE(2) & 0x0f);
}
