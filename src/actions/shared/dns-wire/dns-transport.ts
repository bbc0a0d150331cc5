import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import type { Clock } from '../../../core/clock.js';
import { TminusError } from '../../../core/tminus-error.js';

/** A DNS server to talk to; `label` is how messages name it (`127.0.0.1:5300`). */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
  readonly label: string;
}

/**
 * Parses `host`, `host:port`, `[v6]:port` or `dns://host:port` (as a connection URL). Only IP addresses:
 * the DNS actions must not depend on the resolver they may be checking.
 */
export function parseServer(text: string, defaultPort = 53): DnsServer {
  const raw = text
    .trim()
    .replace(/^(?:dns|udp|tcp):\/\//, '')
    .replace(/\/$/, '');
  let host = raw;
  let port = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
  const v4 = /^([^:]+):(\d+)$/.exec(raw);
  if (v6) {
    host = v6[1]!;
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (v4) {
    host = v4[1]!;
    port = Number(v4[2]);
  }
  const ipOk = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || isIPv6(host);
  if (!ipOk || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TminusError(
      'INVALID_PARAMS',
      `'${text}' is not a DNS server address: expected IP[:port] such as 127.0.0.1:5300 or [::1]:53`,
      { retryable: false },
    );
  }
  return { host, port, label: isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}` };
}

export interface ExchangeOptions {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Use TCP from the start (otherwise UDP, and TCP when the answer is truncated). */
  readonly tcp?: boolean;
}

/** Runs `work` until it settles, the clock's timeout passes, or the caller aborts; `work` must stop on its signal. */
async function withTimeout<T>(
  options: ExchangeOptions,
  onTimeout: () => Error,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  options.signal.throwIfAborted();
  const local = new AbortController();
  const abort = () => local.abort(options.signal.reason);
  options.signal.addEventListener('abort', abort, { once: true });
  const timer = options.clock.sleep(options.timeoutMs, local.signal).then(() => {
    throw onTimeout();
  });
  try {
    return await Promise.race([work(local.signal), timer]);
  } finally {
    options.signal.removeEventListener('abort', abort);
    local.abort();
    // The sleep rejects with the abort we just caused; that outcome is expected and carries no information.
    timer.catch(() => undefined);
  }
}

function unreachable(server: DnsServer, via: string, cause: unknown): TminusError {
  const code = (cause as { code?: string }).code;
  const why = code === 'ECONNREFUSED' ? 'connection refused (nothing listens there)' : String(code ?? cause);
  return new TminusError('DNS_UNREACHABLE', `cannot reach DNS server ${server.label} over ${via}: ${why}`, {
    cause,
  });
}

function udpExchange(server: DnsServer, message: Buffer, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    const id = message.readUInt16BE(0);
    const done = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      socket.close();
      fn();
    };
    const onAbort = () => done(() => reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done(() => reject(unreachable(server, 'UDP', err))));
    socket.on('message', (msg) => {
      // Ignore stray datagrams: only the answer to our ID counts.
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(() => resolve(msg));
    });
    // Connected, so an ICMP port-unreachable surfaces as ECONNREFUSED instead of a silent timeout.
    socket.connect(server.port, server.host, () => socket.send(message));
  });
}

function tcpExchange(server: DnsServer, message: Buffer, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let data = Buffer.alloc(0);
    const done = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = () => done(() => reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done(() => reject(unreachable(server, 'TCP', err))));
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      socket.write(Buffer.concat([len, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        done(() => resolve(data.subarray(2, 2 + data.readUInt16BE(0))));
      }
    });
    socket.on('end', () =>
      done(() => reject(unreachable(server, 'TCP', new Error('the server closed the connection')))),
    );
  });
}

/**
 * Sends one DNS message and returns the response: over UDP, retried over TCP when truncated (TC). Fails with
 * DNS_UNREACHABLE when nothing answers within the timeout, measured on the injected clock.
 */
export async function exchange(
  server: DnsServer,
  message: Buffer,
  options: ExchangeOptions,
): Promise<Buffer> {
  const timeout = () =>
    new TminusError(
      'DNS_UNREACHABLE',
      `no answer from DNS server ${server.label} within ${options.timeoutMs} ms`,
      { hint: 'check the address and port, and that the server is running and reachable' },
    );
  return withTimeout(options, timeout, async (signal) => {
    if (options.tcp) return tcpExchange(server, message, signal);
    const answer = await udpExchange(server, message, signal);
    const truncated = (answer.readUInt16BE(2) & 0x0200) !== 0;
    return truncated ? tcpExchange(server, message, signal) : answer;
  });
}
