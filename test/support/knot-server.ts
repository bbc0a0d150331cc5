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
  /**
   * Serve the zone as a secondary of this primary (`127.0.0.1:5300`): transferred from it, refreshed on its
   * NOTIFY (IXFR), instead of loaded from a file.
   */
  readonly secondaryOf?: string;
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
      if (!options.secondaryOf) writeFileSync(join(dir, `db.${zone}`), zoneFile(options.zone));
      const primary = options.secondaryOf?.split(':');
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
          ...(primary
            ? [
                'remote:',
                '  - id: primary',
                `    address: ${primary[0]}@${primary[1]}`,
                'acl:',
                '  - id: notify-from-primary',
                `    address: ${primary[0]}`,
                '    action: notify',
              ]
            : []),
          ...(key && !primary
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
          ...(key && !primary ? ['    acl: update'] : []),
          ...(primary ? ['    master: primary', '    acl: notify-from-primary'] : []),
          '',
        ].join('\n'),
      );
    },
    ready: dnsReady(address, port, zone),
  });
  return { address, port, server: `${address}:${port}`, daemon, stop: () => daemon.stop() };
}
