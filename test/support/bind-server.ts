import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';
import { freePort } from './free-port.js';
import type { LabTsigKey, LabZone } from './dns-lab.js';
import { dnsReady, ensureDnsPackages, zoneFile } from './dns-lab.js';

export interface BindServer {
  readonly address: string;
  readonly port: number;
  /** `127.0.0.1:5300`, as the DNS actions take it. */
  readonly server: string;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

/**
 * Starts BIND 9 (`named -g`, foreground, as root) as the primary of one zone on a loopback address and a free
 * port, in a temp dir, accepting RFC 2136 updates signed with `tsigKey` (update-policy, not allow-update).
 *
 * @example const bind = await startBind({ zone: { name: 'example.test', records: ['www 20 IN A 192.0.2.10'] }, tsigKey });
 */
export async function startBind(options: {
  readonly zone: LabZone;
  readonly tsigKey?: LabTsigKey;
  readonly address?: string;
  readonly port?: number;
  /** Keys BIND knows but does not allow to update (to test a refused update). */
  readonly otherKeys?: readonly LabTsigKey[];
  /** Secondaries to NOTIFY of every change (`127.0.0.2:5300`); they may transfer the zone (AXFR/IXFR). */
  readonly notify?: readonly string[];
}): Promise<BindServer> {
  ensureDnsPackages(['bind']);
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const zone = options.zone.name;
  const key = options.tsigKey;
  const daemon = await startDaemon({
    name: 'bind',
    command: '/usr/sbin/named',
    args: (dir) => ['-g', '-c', join(dir, 'named.conf'), '-u', 'root', '-n', '1'],
    prepare: (dir) => {
      writeFileSync(join(dir, `db.${zone}`), zoneFile(options.zone));
      writeFileSync(
        join(dir, 'named.conf'),
        [
          ...[...(key ? [key] : []), ...(options.otherKeys ?? [])].map(
            (k) => `key "${k.name}" { algorithm ${k.algorithm}; secret "${k.secret}"; };`,
          ),
          'options {',
          `  directory "${dir}";`,
          `  listen-on port ${port} { ${address}; };`,
          '  listen-on-v6 { none; };',
          '  recursion no;',
          `  pid-file "${dir}/named.pid";`,
          `  session-keyfile "${dir}/session.key";`,
          `  managed-keys-directory "${dir}";`,
          '  dnssec-validation no;',
          options.notify?.length ? '  notify explicit;' : '  notify no;',
          options.notify?.length
            ? `  also-notify { ${options.notify.map((n) => `${n.split(':')[0]} port ${n.split(':')[1]};`).join(' ')} };`
            : '',
          options.notify?.length ? '  allow-transfer { 127.0.0.0/8; };' : '',
          options.notify?.length ? `  notify-source ${address};` : '',
          // BIND waits 5 s before notifying by default; a lab wants to see propagation at once.
          options.notify?.length ? '  notify-delay 0;' : '',
          '};',
          'controls { };',
          `zone "${zone}" {`,
          '  type primary;',
          `  file "${dir}/db.${zone}";`,
          key ? `  update-policy { grant ${key.name} zonesub ANY; };` : '',
          '};',
          '',
        ].join('\n'),
      );
    },
    ready: dnsReady(address, port, zone),
  });
  return { address, port, server: `${address}:${port}`, daemon, stop: () => daemon.stop() };
}
