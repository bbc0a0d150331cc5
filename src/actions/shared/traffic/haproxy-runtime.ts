import { connect, type Socket } from 'node:net';
import { TminusError } from '../../../core/tminus-error.js';
import type { ServerAdminState, ServerSetting } from './traffic-provider.js';

/** Where the HAProxy runtime API listens: a unix socket path or a TCP `host:port` (`stats socket ipv4@…`). */
export type HaproxyEndpoint = { readonly socket: string } | { readonly address: string };

/** One row of `show servers state`, the fields tminus relies on. */
export interface HaproxyServerState extends ServerSetting {
  readonly backend: string;
  readonly server: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping (HAProxy's srv_op_state). */
  readonly operational: number;
  /** Whether an active health check is configured and enabled (srv_check_state CONFIGURED|ENABLED). */
  readonly checked: boolean;
  /** Last check result (srv_check_result): 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed. */
  readonly checkResult: number;
}

// srv_admin_state bits (haproxy include/haproxy/server-t.h): SRV_ADMF_MAINT = FMAINT 0x01 | IMAINT 0x02 |
// RMAINT 0x20, SRV_ADMF_DRAIN = FDRAIN 0x08 | IDRAIN 0x10. CMAINT (0x04, "disabled" in the config) only
// records where the state came from: it stays set after `set server ... state ready`, when the server runs.
const MAINT_BITS = 0x23;
const DRAIN_BITS = 0x08 | 0x10;

/**
 * A client of HAProxy's runtime API (the "stats socket" CLI at `level admin`). One command per connection:
 * in non-interactive mode HAProxy answers and closes, which gives an unambiguous end of response.
 */
export class HaproxyRuntime {
  constructor(
    private readonly endpoint: HaproxyEndpoint,
    private readonly timeoutMs = 5_000,
  ) {}

  get description(): string {
    return 'socket' in this.endpoint ? this.endpoint.socket : this.endpoint.address;
  }

  /** Sends one command and returns HAProxy's whole answer. */
  command(line: string, signal?: AbortSignal): Promise<string> {
    if (/[;\n\r]/.test(line)) {
      // The CLI runs every ';'-separated command: refuse anything that could smuggle a second one.
      return Promise.reject(
        new TminusError(
          'TRAFFIC_BAD_TARGET',
          `refusing HAProxy command with ';' or a newline: ${JSON.stringify(line)}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      let socket: Socket;
      if ('socket' in this.endpoint) {
        socket = connect({ path: this.endpoint.socket });
      } else {
        const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(this.endpoint.address);
        if (!match) {
          reject(
            new TminusError(
              'TRAFFIC_BAD_TARGET',
              `HAProxy address '${this.endpoint.address}' is not host:port`,
            ),
          );
          return;
        }
        socket = connect({ host: match[1], port: Number(match[2]) });
      }
      let answer = '';
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error);
        else resolve(answer);
      };
      const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      const timer = setTimeout(
        () =>
          finish(
            new TminusError(
              'TRAFFIC_UNREACHABLE',
              `HAProxy runtime API at ${this.description} did not answer '${line}' within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`${line}\n`));
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => finish());
      socket.on('error', (err: NodeJS.ErrnoException) =>
        finish(
          new TminusError(
            'TRAFFIC_UNREACHABLE',
            `cannot reach the HAProxy runtime API at ${this.description}: ${err.code ?? err.message}`,
            {
              cause: err,
              hint:
                err.code === 'ENOENT'
                  ? 'the socket file does not exist: check `stats socket <path> level admin` in haproxy.cfg and that HAProxy runs'
                  : err.code === 'EACCES'
                    ? 'permission denied on the socket: run as a user allowed by its `mode`/`user`'
                    : 'check that HAProxy runs and exposes `stats socket ... level admin`',
            },
          ),
        ),
      );
    });
  }

  /** Runs a command that answers nothing on success (e.g. `set server`); any answer is HAProxy refusing. */
  async mustSucceed(line: string, signal?: AbortSignal): Promise<void> {
    const answer = (await this.command(line, signal)).trim();
    if (answer !== '') {
      throw new TminusError('TRAFFIC_REJECTED', `HAProxy refused '${line}': ${answer}`, {
        hint: /permission denied/i.test(answer)
          ? 'the stats socket needs `level admin`'
          : 'check the backend and server names against haproxy.cfg',
      });
    }
  }

  /** Every server of a backend (or of all backends), from `show servers state`. */
  async serversState(backend?: string, signal?: AbortSignal): Promise<HaproxyServerState[]> {
    const answer = await this.command(
      backend ? `show servers state ${backend}` : 'show servers state',
      signal,
    );
    return parseServersState(answer, backend);
  }
}

/** Parses `show servers state` (format version 1: a version line, a `# header`, then one row per server). */
export function parseServersState(text: string, backend?: string): HaproxyServerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerLine = lines.find((l) => l.startsWith('# '));
  if (lines[0]?.trim() !== '1' || !headerLine) {
    const what = text.trim() === '' ? 'an empty answer' : `'${text.trim().slice(0, 200)}'`;
    throw new TminusError(
      backend && /can't find backend/i.test(text) ? 'TRAFFIC_BAD_TARGET' : 'TRAFFIC_REJECTED',
      backend && /can't find backend/i.test(text)
        ? `HAProxy has no backend '${backend}'`
        : `unexpected answer to 'show servers state': ${what}`,
    );
  }
  const columns = headerLine.slice(2).trim().split(/\s+/);
  const col = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new TminusError('TRAFFIC_REJECTED', `'show servers state' has no column ${name}`);
    return index;
  };
  const [be, srv, op, admin, weight] = [
    col('be_name'),
    col('srv_name'),
    col('srv_op_state'),
    col('srv_admin_state'),
    col('srv_uweight'),
  ];
  const optional = (name: string) => columns.indexOf(name);
  const [checkState, checkResult] = [optional('srv_check_state'), optional('srv_check_result')];
  return lines
    .filter((l) => !l.startsWith('#') && l !== lines[0])
    .map((l) => {
      const fields = l.trim().split(/\s+/);
      const checkBits = checkState >= 0 ? Number(fields[checkState]) : 0;
      const adminBits = Number(fields[admin]);
      const state: ServerAdminState =
        adminBits & MAINT_BITS ? 'maint' : adminBits & DRAIN_BITS ? 'drain' : 'ready';
      return {
        backend: fields[be] ?? '',
        server: fields[srv] ?? '',
        operational: Number(fields[op]),
        checked: (checkBits & 0x06) === 0x06,
        checkResult: checkResult >= 0 ? Number(fields[checkResult]) : 0,
        weight: Number(fields[weight]),
        state,
      };
    });
}
