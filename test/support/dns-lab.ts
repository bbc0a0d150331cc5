import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { ensureDebianPackages } from './debian-packages.js';

/** A TSIG key for a lab server: the secret is random per test file. */
export interface LabTsigKey {
  readonly name: string;
  readonly algorithm: 'hmac-sha256' | 'hmac-sha512';
  readonly secret: string;
}

export function labTsigKey(
  name = 'cutover-key',
  algorithm: LabTsigKey['algorithm'] = 'hmac-sha256',
): LabTsigKey {
  return { name, algorithm, secret: randomBytes(32).toString('base64') };
}

/** One zone served by a lab server. `records` are zone-file lines relative to the zone (`www 20 IN A 192.0.2.10`). */
export interface LabZone {
  readonly name: string;
  readonly records: readonly string[];
  /** Name servers of the zone (NS + glue); defaults to `ns1` at 127.0.0.1. */
  readonly nameservers?: readonly { readonly name: string; readonly address: string }[];
  readonly serial?: number;
  /** SOA minimum (negative-caching TTL); short so NXDOMAIN answers do not linger in resolver tests. */
  readonly minimum?: number;
}

/** A zone file with SOA, NS and glue first, then the given records. */
export function zoneFile(zone: LabZone): string {
  const ns = zone.nameservers ?? [{ name: 'ns1', address: '127.0.0.1' }];
  return [
    `$ORIGIN ${zone.name}.`,
    '$TTL 300',
    `@ 300 IN SOA ${ns[0]!.name}.${zone.name}. hostmaster.${zone.name}. ${zone.serial ?? 1} 3600 600 86400 ${zone.minimum ?? 1}`,
    ...ns.map((n) => `@ 300 IN NS ${n.name}.${zone.name}.`),
    ...ns.map((n) => `${n.name} 300 IN A ${n.address}`),
    ...zone.records,
    '',
  ].join('\n');
}

/** Installs the DNS servers and tools the lab uses when missing (Debian 12 packages). */
export function ensureDnsPackages(which: readonly ('bind' | 'knot' | 'unbound')[]): void {
  const all: Record<string, Record<string, string>> = {
    bind: { bind9: '/usr/sbin/named', 'bind9-dnsutils': '/usr/bin/dig' },
    knot: { knot: '/usr/sbin/knotd' },
    unbound: { unbound: '/usr/sbin/unbound' },
  };
  ensureDebianPackages(Object.assign({}, ...which.map((w) => all[w])) as Record<string, string>);
}

/**
 * Readiness check for a DNS server: it answers an SOA question for `zone` over UDP — with NOERROR when
 * `authoritative` (the zone is loaded, or transferred for a secondary), with anything for a resolver.
 */
export function dnsReady(
  address: string,
  port: number,
  zone: string,
  authoritative = true,
): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = createSocket('udp4');
      const timer = setTimeout(() => (socket.close(), resolve(false)), 300);
      socket.on('error', () => (clearTimeout(timer), socket.close(), resolve(false)));
      socket.on('message', (msg: Buffer) => {
        clearTimeout(timer);
        socket.close();
        resolve(!authoritative || (msg.readUInt8(3) & 0x0f) === 0);
      });
      socket.send(
        dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'SOA', name: zone }] }),
        port,
        address,
      );
    });
}

/**
 * Reads an RRset with `dig` (RD=0), independently of tminus's own DNS code: the lab's ground truth.
 * Values sorted; `ttl` undefined when there is no record.
 */
export function dig(
  server: { readonly address: string; readonly port: number },
  name: string,
  type = 'A',
): { values: string[]; ttl: number | undefined } {
  const out = execFileSync(
    'dig',
    [`@${server.address}`, '-p', String(server.port), '+norec', '+noall', '+answer', name, type],
    { encoding: 'utf8' },
  );
  const rows = out
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/));
  return {
    values: rows.map((r) => r.slice(4).join(' ')).sort(),
    ttl: rows[0] ? Number(rows[0][1]) : undefined,
  };
}

/** The zone's SOA serial on a server, read with `dig`. */
export function soaSerial(server: { readonly address: string; readonly port: number }, zone: string): number {
  const out = execFileSync(
    'dig',
    [`@${server.address}`, '-p', String(server.port), '+norec', '+short', zone, 'SOA'],
    {
      encoding: 'utf8',
    },
  );
  return Number(out.trim().split(' ')[2]);
}
