import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { readFile } from 'node:fs/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { redactUrl } from '../../core/secrets/redact-url.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';
import { describeNetworkError } from '../shared/network/describe-network-error.js';
import { certificateName } from '../shared/network/certificate-name.js';
import { describeTlsError, isTlsErrorCode } from '../shared/network/describe-tls-error.js';
import type { HttpCheckParams } from './http-check-params.js';

/** Bodies are read up to this size for matching; the rest is drained and ignored. */
const BODY_CAP = 1024 * 1024;

/** What one request observed. */
export interface HttpProbe {
  readonly status: number;
  readonly latencyMs: number;
  readonly body: string;
  readonly bodyTruncated: boolean;
  readonly contentType: string | undefined;
  /** Response headers, names in lower case, repeated headers joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  /** HTTPS only. */
  readonly certificate?: {
    readonly subject: string;
    readonly issuer: string;
    readonly validTo: string;
    readonly daysToExpiry: number;
  };
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup that always answers `address`: the request goes there while the URL's host name is still
 * used for the Host header, SNI and certificate verification.
 */
function fixedLookup(address: string) {
  const family = isIP(address);
  return (_hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** Parses and checks the URL; a bad one is a parameter error, with any password hidden. */
export function parseCheckUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The parser's error carries the raw input (password included), so it is not kept as the cause.
    throw new TminusError('INVALID_PARAMS', `http.check: '${redactUrl(text)}' is not a valid URL`, {
      hint: 'write a full URL such as https://new.example.com/healthz',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TminusError(
      'INVALID_PARAMS',
      `http.check: '${redactUrl(text)}' is not an http:// or https:// URL`,
    );
  }
  return url;
}

/** The request body and its default content type. */
function encodeBody(body: HttpCheckParams['body']): { data?: string; contentType?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string') return { data: body };
  return { data: JSON.stringify(body), contentType: 'application/json' };
}

/**
 * Sends one request and reads the answer. Connection and TLS failures throw (`UNREACHABLE`,
 * `TLS_INVALID`, `TIMEOUT`); any HTTP answer, whatever its status, is returned for the expectations.
 */
export async function probeHttp(ctx: ActionContext, params: HttpCheckParams, url: URL): Promise<HttpProbe> {
  const ca = params.ca === undefined ? undefined : await readCa(params.ca);
  const { data, contentType } = encodeBody(params.body);
  const headers: Record<string, string> = { 'user-agent': 'tminus-http-check', ...params.headers };
  if (contentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = contentType;
  }
  if (data !== undefined) headers['content-length'] = String(Buffer.byteLength(data));
  const target = redactUrl(`${url.protocol}//${url.host}${url.pathname}`);
  const started = (ctx.realClock ?? ctx.clock).now();
  return withDeadline(
    ctx,
    params.timeout,
    `${params.method} ${target}`,
    (signal) =>
      new Promise<HttpProbe>((resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(url, {
          method: params.method,
          headers,
          signal,
          agent: false, // a fresh connection each probe: a reused socket would hide DNS/TLS/listener changes
          ...(params.connectTo === undefined ? {} : { lookup: fixedLookup(params.connectTo) }),
          ...(url.protocol === 'https:'
            ? { rejectUnauthorized: !params.insecure, ...(ca ? { ca } : {}) }
            : {}),
        });
        req.on('error', (error: Error & { code?: string }) => {
          if (signal.aborted) return reject(signal.reason as Error);
          if (isTlsErrorCode(error.code)) return reject(describeTlsError(error.code, target, error));
          reject(describeNetworkError(error, `${url.host}`));
        });
        req.on('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          res.on('data', (chunk: Buffer) => {
            if (size < BODY_CAP) chunks.push(chunk);
            else truncated = true;
            size += chunk.length;
          });
          res.on('error', (error) => reject(describeNetworkError(error, url.host)));
          res.on('end', () => {
            const buffer = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              latencyMs: (ctx.realClock ?? ctx.clock).now() - started,
              body: buffer.subarray(0, BODY_CAP).toString('utf8'),
              bodyTruncated: truncated || buffer.length > BODY_CAP,
              contentType: res.headers['content-type'],
              headers: Object.fromEntries(
                Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
              ),
              ...certificateOf(res, ctx.clock.now()),
            });
          });
        });
        req.end(data);
      }),
  );
}

function certificateOf(res: IncomingMessage, nowMs: number): Pick<HttpProbe, 'certificate'> {
  const socket = res.socket as TLSSocket | null;
  if (!socket || typeof socket.getPeerCertificate !== 'function') return {};
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return {};
  const validToMs = Date.parse(cert.valid_to);
  return {
    certificate: {
      subject: certificateName(cert.subject?.CN),
      issuer: certificateName(cert.issuer?.CN ?? cert.issuer?.O),
      validTo: new Date(validToMs).toISOString(),
      daysToExpiry: Math.floor((validToMs - nowMs) / 86_400_000),
    },
  };
}

async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new TminusError('INVALID_PARAMS', `cannot read the CA file '${path}'`, { cause: error });
  }
}
