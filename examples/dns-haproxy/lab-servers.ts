import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { startBind, type BindServer } from '../../test/support/bind-server.js';
import { startKnot, type KnotServer } from '../../test/support/knot-server.js';
import { ensureDnsPackages, labTsigKey, type LabTsigKey } from '../../test/support/dns-lab.js';
import { ensureDebianPackages } from '../../test/support/debian-packages.js';
import { haproxyRuntime, startHaproxy, type HaproxyServer } from '../../test/support/haproxy-server.js';
import { startHttpBackend, type HttpBackend } from '../../test/support/http-backend.js';

/** The fixed lab addresses `plan.yaml` names (outside the ephemeral port range, so the plan is static). */
export const LAB = {
  zone: 'shop.test',
  name: 'www.shop.test',
  legacyAddress: '192.0.2.10',
  newAddress: '192.0.2.20',
  oldTtl: 300,
  lowTtl: 5,
  dnsPort: 15353,
  /** A Knot secondary of the zone (NOTIFY + IXFR from BIND): the second authoritative server. */
  secondaryAddress: '127.0.0.2',
  frontendPort: 18080,
  adminPort: 18079,
  legacyPort: 18081,
  newPort: 18082,
  socketDir: '/tmp/tminus-lab',
  socketPath: '/tmp/tminus-lab/haproxy.sock',
} as const;

/** BIND, HAProxy and the two backends of one lab, and how to stop them all. */
export interface LabServers {
  readonly tsigKey: LabTsigKey;
  readonly bind: BindServer;
  readonly secondary: KnotServer;
  readonly haproxy: HaproxyServer;
  readonly legacy: HttpBackend;
  readonly new: HttpBackend;
  /** HAProxy's weights in backend `app`, by server name, read from the runtime API. */
  weights(): Promise<Record<string, number>>;
  /** Stops every process by PID and removes temp dirs; safe to call twice. */
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Installs BIND, dig and HAProxy when missing (Debian packages). */
export function ensureLabPackages(): void {
  ensureDnsPackages(['bind', 'knot']);
  ensureDebianPackages({ haproxy: '/usr/sbin/haproxy' });
}

/**
 * Starts the lab on its fixed loopback ports: BIND primary of `shop.test` (www A legacy, TTL 300, updates
 * signed with a fresh random TSIG key), the legacy and new backends, and HAProxy sending to legacy.
 * Whatever started is stopped again if a later part fails to start.
 */
export async function startLabServers(): Promise<LabServers> {
  const busy: number[] = [];
  for (const port of [LAB.dnsPort, LAB.frontendPort, LAB.adminPort, LAB.legacyPort, LAB.newPort]) {
    if (!(await portFree(port))) busy.push(port);
  }
  if (busy.length > 0) {
    throw new Error(
      `lab port(s) ${busy.join(', ')} on 127.0.0.1 already in use: is another lab running? (plan.yaml needs these fixed ports)`,
    );
  }
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (stops.length > 0) await stops.pop()!().catch(() => undefined);
    rmSync(LAB.socketDir, { recursive: true, force: true });
  };
  try {
    const tsigKey = labTsigKey('cutover-key', 'hmac-sha256');
    const zone = {
      name: LAB.zone,
      records: [`www ${LAB.oldTtl} IN A ${LAB.legacyAddress}`],
      nameservers: [
        { name: 'ns1', address: '127.0.0.1' },
        { name: 'ns2', address: LAB.secondaryAddress },
      ],
    };
    const bind = await startBind({
      zone,
      tsigKey,
      port: LAB.dnsPort,
      notify: [`${LAB.secondaryAddress}:${LAB.dnsPort}`],
    });
    stops.push(() => bind.stop());
    const secondary = await startKnot({
      zone,
      address: LAB.secondaryAddress,
      port: LAB.dnsPort,
      secondaryOf: `127.0.0.1:${LAB.dnsPort}`,
    });
    stops.push(() => secondary.stop());
    const legacy = await startHttpBackend('legacy', { port: LAB.legacyPort });
    stops.push(() => legacy.stop());
    const fresh = await startHttpBackend('new', { port: LAB.newPort });
    stops.push(() => fresh.stop());
    mkdirSync(LAB.socketDir, { recursive: true });
    const haproxy = await startHaproxy({
      backends: {
        app: [
          { name: 'legacy', port: LAB.legacyPort, weight: 100 },
          { name: 'new', port: LAB.newPort, weight: 0 },
        ],
      },
      port: LAB.frontendPort,
      adminPort: LAB.adminPort,
      socketPath: LAB.socketPath,
    });
    stops.push(() => haproxy.stop());
    return {
      tsigKey,
      bind,
      secondary,
      haproxy,
      legacy,
      new: fresh,
      weights: async () => serverWeights(await haproxyRuntime(LAB.socketPath, 'show servers state app')),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `show servers state` → `{ server: weight }`, by the column names of its header line. */
export function serverWeights(text: string): Record<string, number> {
  const lines = text.split('\n');
  const header =
    lines
      .find((l) => l.startsWith('# be_id'))
      ?.slice(2)
      .split(' ') ?? [];
  const name = header.indexOf('srv_name');
  const weight = header.indexOf('srv_uweight');
  const out: Record<string, number> = {};
  for (const line of lines) {
    if (!/^\d+ /.test(line)) continue;
    const cols = line.split(' ');
    const server = cols[name];
    if (server !== undefined) out[server] = Number(cols[weight]);
  }
  return out;
}
