import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startDaemon, tcpReady } from './daemon.js';
import { ensureDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

export interface HaproxyServerSpec {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
  /** Used only when every non-backup server is down or in maintenance (a maintenance page). */
  readonly backup?: boolean;
  /** Starts in maintenance (`disabled`). */
  readonly disabled?: boolean;
  /** Active health check (`GET /` every 500 ms, rise 1, fall 2, 10 s to answer); default true. */
  readonly check?: boolean;
}

export interface HaproxyServer {
  /** The HTTP frontend on 127.0.0.1. */
  readonly port: number;
  /** Unix runtime API socket (`level admin`). */
  readonly socketPath: string;
  /** TCP runtime API socket, `127.0.0.1:port` (`level admin`). */
  readonly adminAddress: string;
  /** The `server-state-file`, when started with `stateFile: true`. */
  readonly stateFilePath: string | undefined;
  readonly dir: string;
  readonly pid: number;
  /** Master-worker reload (SIGUSR2 to the master); resolves once a new worker answers the runtime API. */
  reload(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** Sends one command to an HAProxy runtime API unix socket and returns its whole answer. */
export function haproxyRuntime(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ path: socketPath });
    let text = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${command}\n`));
    s.on('data', (c: string) => (text += c));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

const workerPid = async (socketPath: string) =>
  /^Pid: (\d+)$/m.exec(await haproxyRuntime(socketPath, 'show info'))?.[1] ?? '';

/**
 * Starts Debian's HAProxy (installed when missing) in master-worker mode on loopback, with an HTTP frontend
 * sending to the first backend, a unix and a TCP runtime API socket at `level admin`, active health checks,
 * `option redispatch` + `retries`, and optionally a `server-state-file` loaded on reload.
 *
 * @example
 * const lb = await startHaproxy({ backends: { app: [{ name: 'legacy', port: 9101, weight: 100 }, { name: 'new', port: 9102, weight: 0 }] } });
 */
export async function startHaproxy(options: {
  readonly backends: Readonly<Record<string, readonly HaproxyServerSpec[]>>;
  readonly stateFile?: boolean;
  /** Fixed frontend / TCP admin ports and unix socket path (a static example plan); free ports and a temp-dir socket by default. */
  readonly port?: number;
  readonly adminPort?: number;
  readonly socketPath?: string;
}): Promise<HaproxyServer> {
  ensureDebianPackages({ haproxy: '/usr/sbin/haproxy' });
  const port = options.port ?? (await freePort());
  const adminPort = options.adminPort ?? (await freePort());
  let socketPath = '';
  let stateFilePath: string | undefined;
  const daemon = await startDaemon({
    name: 'haproxy',
    command: '/usr/sbin/haproxy',
    args: (dir) => ['-W', '-db', '-f', join(dir, 'haproxy.cfg')],
    prepare: (dir) => {
      socketPath = options.socketPath ?? join(dir, 'admin.sock');
      stateFilePath = options.stateFile ? join(dir, 'server-state') : undefined;
      const backends = Object.entries(options.backends);
      const cfg = [
        'global',
        `  stats socket ${socketPath} mode 600 level admin expose-fd listeners`,
        `  stats socket ipv4@127.0.0.1:${adminPort} level admin`,
        ...(stateFilePath ? [`  server-state-file ${stateFilePath}`] : []),
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 30s',
        '  timeout server 30s',
        // A check fails on a refused connection or a bad status at once; a slow answer from a test backend on
        // a loaded machine is not a failure (without this the check times out after `inter`, 500 ms, and
        // HAProxy answers 503 while both servers are wrongly marked down).
        '  timeout check 10s',
        '  option redispatch',
        '  retries 2',
        ...(stateFilePath ? ['  load-server-state-from-file global'] : []),
        'frontend web',
        `  bind 127.0.0.1:${port}`,
        `  default_backend ${backends[0]?.[0] ?? 'app'}`,
        ...backends.flatMap(([name, servers]) => [
          `backend ${name}`,
          '  balance roundrobin',
          '  option httpchk GET /',
          ...servers.map(
            (s) =>
              `  server ${s.name} 127.0.0.1:${s.port} weight ${s.weight ?? 100}` +
              `${s.check === false ? '' : ' check inter 500ms rise 1 fall 2'}` +
              `${s.backup ? ' backup' : ''}${s.disabled ? ' disabled' : ''}`,
          ),
        ]),
        '',
      ].join('\n');
      writeFileSync(join(dir, 'haproxy.cfg'), cfg);
    },
    ready: tcpReady(port),
  });
  return {
    port,
    socketPath,
    adminAddress: `127.0.0.1:${adminPort}`,
    stateFilePath,
    dir: daemon.dir,
    pid: daemon.pid,
    output: daemon.output,
    stop: daemon.stop,
    async reload() {
      const before = await workerPid(socketPath);
      const deadline = Date.now() + 30_000;
      let now = before;
      // The master re-executes itself on reload; a signal arriving while it starts up can be lost, so the
      // signal is sent again when no new worker has appeared for a few seconds.
      while (Date.now() < deadline) {
        process.kill(daemon.pid, 'SIGUSR2');
        const resendAt = Date.now() + 5_000;
        while (Date.now() < Math.min(resendAt, deadline)) {
          await new Promise((r) => setTimeout(r, 100));
          // The socket may refuse connections while the new worker takes it over.
          now = await workerPid(socketPath).catch(() => '');
          if (now !== '' && now !== before) {
            // Let the master finish its reload before anyone signals it again.
            await new Promise((r) => setTimeout(r, 300));
            return;
          }
        }
      }
      throw new Error(
        `HAProxy did not reload (worker pid still ${now || 'unknown'}, was ${before}):\n${daemon.output()}`,
      );
    },
  };
}
