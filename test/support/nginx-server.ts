import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, tcpReady } from './daemon.js';
import { ensureDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

export interface NginxServer {
  /** The HTTP listener on 127.0.0.1, proxying to the upstream. */
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** The include file holding `upstream <name> { ... }` (what traffic actions rewrite). */
  readonly upstreamFile: string;
  /** Arguments selecting this instance's configuration, for `nginx -t` / `nginx -s reload`. */
  readonly args: readonly string[];
  /** `nginx -s reload`, then waits until the master has started new workers. */
  reload(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export const NGINX_BINARY = '/usr/sbin/nginx';

/**
 * Starts Debian's nginx (nginx-light, installed when missing) in the foreground on loopback, in its own
 * prefix directory, proxying `/` with HTTP/1.1 keep-alive to the upstream defined in an include file.
 */
export async function startNginx(options: {
  readonly upstream: string;
  /** Initial content of the include file (an `upstream` block). */
  readonly upstreamConfig: string;
}): Promise<NginxServer> {
  ensureDebianPackages({ 'nginx-light': NGINX_BINARY });
  const port = await freePort();
  let args: string[] = [];
  let upstreamFile = '';
  const daemon = await startDaemon({
    name: 'nginx',
    command: NGINX_BINARY,
    args: (dir) => ['-p', dir, '-c', join(dir, 'nginx.conf')],
    prepare: (dir) => {
      args = ['-p', dir, '-c', join(dir, 'nginx.conf')];
      upstreamFile = join(dir, 'upstream.conf');
      mkdirSync(join(dir, 'logs'), { recursive: true });
      writeFileSync(upstreamFile, options.upstreamConfig);
      writeFileSync(
        join(dir, 'nginx.conf'),
        [
          'daemon off;',
          'master_process on;',
          'worker_processes 1;',
          'user root;',
          `pid ${join(dir, 'nginx.pid')};`,
          `error_log ${join(dir, 'logs', 'error.log')} warn;`,
          'events { worker_connections 1024; }',
          'http {',
          '  access_log off;',
          `  client_body_temp_path ${join(dir, 'client_body')};`,
          `  proxy_temp_path ${join(dir, 'proxy')};`,
          `  include ${upstreamFile};`,
          '  server {',
          `    listen 127.0.0.1:${port};`,
          '    keepalive_timeout 30s;',
          '    location / {',
          `      proxy_pass http://${options.upstream};`,
          '      proxy_http_version 1.1;',
          '      proxy_set_header Connection "";',
          '    }',
          '  }',
          '}',
          '',
        ].join('\n'),
      );
    },
    ready: tcpReady(port),
  });
  const workers = () =>
    execFileSync('pgrep', ['-P', String(daemon.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  return {
    port,
    dir: daemon.dir,
    pid: daemon.pid,
    upstreamFile,
    args,
    output: () => `${daemon.output()}${safeRead(join(daemon.dir, 'logs', 'error.log'))}`,
    stop: daemon.stop,
    async reload() {
      const before = new Set(workers());
      execFileSync(NGINX_BINARY, ['-s', 'reload', ...args], { stdio: 'pipe' });
      // Generous: on a loaded machine the master can take seconds to start its new workers.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        if (workers().some((w) => !before.has(w))) return;
      }
      throw new Error('nginx did not start new workers after reload');
    },
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
