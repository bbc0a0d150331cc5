import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';
import { freePort } from './free-port.js';
import { dnsReady, ensureDnsPackages } from './dns-lab.js';

export interface UnboundServer {
  readonly port: number;
  /** `127.0.0.1:5353`, as the DNS actions take it. */
  readonly server: string;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

/**
 * Starts Unbound (`unbound -d`, foreground, no privilege drop, no chroot) as a caching resolver on 127.0.0.1
 * and a free port: the "world's cache" of the lab. `zone` is resolved through a stub zone pointing at the
 * local authoritative server (`stub: '127.0.0.1:5300'`), so answers are cached for their TTL like any
 * resolver on the internet would.
 */
export async function startUnbound(options: {
  readonly zone: string;
  readonly stub: string;
}): Promise<UnboundServer> {
  ensureDnsPackages(['unbound']);
  const port = await freePort();
  const [stubHost, stubPort] = options.stub.split(':');
  const tld = options.zone.split('.').pop()!;
  const daemon = await startDaemon({
    name: 'unbound',
    command: '/usr/sbin/unbound',
    args: (dir) => ['-d', '-c', join(dir, 'unbound.conf')],
    prepare: (dir) => {
      writeFileSync(
        join(dir, 'unbound.conf'),
        [
          'server:',
          `  interface: 127.0.0.1@${port}`,
          `  port: ${port}`,
          `  directory: "${dir}"`,
          `  pidfile: "${dir}/unbound.pid"`,
          '  username: ""',
          '  chroot: ""',
          '  use-syslog: no',
          '  logfile: ""',
          '  verbosity: 1',
          '  do-ip6: no',
          '  access-control: 127.0.0.0/8 allow',
          // The authoritative server is on loopback, which Unbound refuses to query by default.
          '  do-not-query-localhost: no',
          '  module-config: "iterator"',
          // .test is an RFC 6761 special-use TLD that Unbound answers NXDOMAIN for unless told otherwise.
          `  local-zone: "${tld}." nodefault`,
          `  domain-insecure: "${options.zone}"`,
          '  prefetch: no',
          '  serve-expired: no',
          '  cache-min-ttl: 0',
          'remote-control:',
          '  control-enable: no',
          'stub-zone:',
          `  name: "${options.zone}"`,
          `  stub-addr: ${stubHost}@${stubPort}`,
          '',
        ].join('\n'),
      );
    },
    ready: dnsReady('127.0.0.1', port, options.zone, false),
  });
  return { port, server: `127.0.0.1:${port}`, daemon, stop: () => daemon.stop() };
}
