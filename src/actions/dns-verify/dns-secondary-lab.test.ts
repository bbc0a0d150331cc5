import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { startKnot } from '../../../test/support/knot-server.js';
import type { KnotServer } from '../../../test/support/knot-server.js';
import type { LabZone } from '../../../test/support/dns-lab.js';
import { ensureDnsPackages, labTsigKey } from '../../../test/support/dns-lab.js';
import { testActionContext, systemClock } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { dnsUpdateAction, dnsUpdateParams } from '../dns-update/dns-update-action.js';
import type { PropagationReport } from '../dns-query/check-propagation.js';
import { dnsVerifyAction, dnsVerifyParams } from './dns-verify-action.js';

/*
 * Real propagation: BIND is the primary (ns1, 127.0.0.1:P) and NOTIFYs Knot, a secondary (ns2, 127.0.0.2:P)
 * that transfers each change (IXFR). dns.verify is polled, as a plan's retry policy would, until every
 * authoritative server answers the new value with the new serial.
 */
const ZONE = 'example.test';
const key = labTsigKey();
let bind: BindServer;
let knot: KnotServer;
let port: number;

const zone: LabZone = {
  name: ZONE,
  nameservers: [
    { name: 'ns1', address: '127.0.0.1' },
    { name: 'ns2', address: '127.0.0.2' },
  ],
  records: ['www 300 IN A 192.0.2.10'],
};

/** Runs dns.verify until it passes, like `retry: { attempts: 50, backoff: 200ms }` would; returns the attempts. */
async function verifyUntilAgreed(
  params: Record<string, unknown>,
): Promise<{ attempts: number; report: PropagationReport }> {
  let last: unknown;
  for (let attempt = 1; attempt <= 50; attempt++) {
    try {
      const result = await dnsVerifyAction.execute(testActionContext(), dnsVerifyParams.parse(params));
      return { attempts: attempt, report: result.value as PropagationReport };
    } catch (error) {
      if (!(error instanceof TminusError) || error.code !== 'DNS_NOT_PROPAGATED') throw error;
      last = error;
      await systemClock.sleep(200);
    }
  }
  throw last;
}

beforeAll(async () => {
  ensureDnsPackages(['bind', 'knot']);
  port = await freePort();
  bind = await startBind({ zone, tsigKey: key, address: '127.0.0.1', port, notify: [`127.0.0.2:${port}`] });
  knot = await startKnot({ zone, address: '127.0.0.2', port, secondaryOf: bind.server });
}, 600_000);

afterAll(async () => {
  await Promise.all([knot?.stop(), bind?.stop()]);
});

describe('propagation from a BIND primary to a Knot secondary', () => {
  it('reaches every authoritative server through NOTIFY + IXFR, as dns.verify observes', async () => {
    const check = { zone: ZONE, name: 'www', authoritative: true, resolver: bind.server, port };
    const initial = await verifyUntilAgreed({ ...check, expect: { values: '192.0.2.10', minSerial: 1 } });
    expect(initial.report.serials).toEqual([1]);

    await dnsUpdateAction.execute(
      testActionContext({ secrets: [key.secret] }),
      dnsUpdateParams.parse({
        server: bind.server,
        zone: ZONE,
        tsig: key,
        name: 'www',
        value: '198.51.100.20',
        ttl: 60,
        expect: '192.0.2.10',
      }),
    );
    const after = await verifyUntilAgreed({
      ...check,
      expect: { values: '198.51.100.20', ttl: 60, minSerial: 2 },
      old: '192.0.2.10',
    });
    expect(
      after.report.servers.map((s) => [s.nameserver, s.values, s.ttl, s.serial, s.authoritative]),
    ).toEqual([
      ['ns1.example.test', ['198.51.100.20'], 60, 2, true],
      ['ns2.example.test', ['198.51.100.20'], 60, 2, true],
    ]);
  });
});
