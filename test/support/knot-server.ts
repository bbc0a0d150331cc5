import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';
import { freePort } from './free-port.js';
import type { LabTsigKey, LabZone } from './dns-lab.js';
import { dnsReady, ensureDnsPackages, zoneFile } from './dns-lab.js';

export interface KnotServer {
  readonly address: string;
  readonly port: number;
  /** `127.0.0.2:5300`, as the DNS actions take it. */
  readonly server: string;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

/**
 * Starts Knot DNS (`knotd`, foreground) as the primary of one zone on a loopback address and a free port, in
 * a temp dir, accepting RFC 2136 updates signed with `tsigKey` (ACL `action: update`). Changes stay in the
 * journal (`zonefile-sync: -1`), so the zone file is never rewritten under the test.
 */
export async function startKnot(options: {
  readonly zone: LabZone;
  readonly tsigKey?: LabTsigKey;
  readonly address?: string;
  readonly port?: number;
}): Promise<KnotServer> {
  ensureDnsPackages(['knot']);
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const zone = options.zone.name;
  const key = options.tsigKey;
  const daemon = await startDaemon({
    name: 'knot',
    command: '/usr/sbin/knotd',
    args: (dir) => ['-c', join(dir, 'knot.conf')],
    prepare: (dir) => {
      writeFileSync(join(dir, `db.${zone}`), zoneFile(options.zone));
      writeFileSync(
        join(dir, 'knot.conf'),
        [
          'server:',
          `  rundir: "${dir}"`,
          `  listen: ${address}@${port}`,
          'log:',
          '  - target: stderr',
          '    any: info',
          'database:',
          `  storage: "${dir}"`,
          ...(key
            ? [
                'key:',
                `  - id: ${key.name}`,
                `    algorithm: ${key.algorithm}`,
                `    secret: ${key.secret}`,
                'acl:',
                '  - id: update',
                `    key: ${key.name}`,
                '    action: update',
              ]
            : []),
          'template:',
          '  - id: default',
          `    storage: "${dir}"`,
          '    zonefile-sync: -1',
          '    journal-content: changes',
          'zone:',
          `  - domain: ${zone}`,
          `    file: db.${zone}`,
          ...(key ? ['    acl: update'] : []),
          '',
        ].join('\n'),
      );
    },
    ready: dnsReady(address, port, zone),
  });
  return { address, port, server: `${address}:${port}`, daemon, stop: () => daemon.stop() };
}
