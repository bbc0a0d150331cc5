import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { startKnot } from '../../../test/support/knot-server.js';
import type { KnotServer } from '../../../test/support/knot-server.js';
import { startUnbound } from '../../../test/support/unbound-server.js';
import type { UnboundServer } from '../../../test/support/unbound-server.js';
import type { LabZone } from '../../../test/support/dns-lab.js';
import { ensureDnsPackages, labTsigKey } from '../../../test/support/dns-lab.js';
import { testActionContext, systemClock, actionFailure } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { dnsUpdateAction, dnsUpdateParams } from '../dns-update/dns-update-action.js';
import { dnsQueryAction } from '../dns-query/dns-query-action.js';
import { dnsQueryParams } from '../dns-query/dns-query-params.js';
import type { PropagationReport } from '../dns-query/check-propagation.js';
import { dnsVerifyAction, dnsVerifyParams } from './dns-verify-action.js';

/*
 * The lab: zone example.test served by BIND on 127.0.0.1:P (ns1) and Knot on 127.0.0.2:P (ns2), two
 * independent primaries with the same content, so one can lag behind the other; Unbound caches in front of
 * BIND. Same port on two loopback addresses, so the NS records + one `port:` reach both.
 */
const ZONE = 'example.test';
const bindKey = labTsigKey('cutover-key', 'hmac-sha256');
const knotKey = labTsigKey('cutover-key', 'hmac-sha512');
let bind: BindServer;
let knot: KnotServer;
let unbound: UnboundServer;
let port: number;

const zone: LabZone = {
  name: ZONE,
  nameservers: [
    { name: 'ns1', address: '127.0.0.1' },
    { name: 'ns2', address: '127.0.0.2' },
  ],
  records: [
    'www 300 IN A 192.0.2.10',
    'cache 3 IN A 192.0.2.70',
    'gone 300 IN A 192.0.2.80',
    'knot 300 IN A 192.0.2.90',
    'back 300 IN A 192.0.2.100',
  ],
};

const ctx = () => testActionContext({ secrets: [bindKey.secret, knotKey.secret] });
const update = (server: string, key: typeof bindKey, extra: Record<string, unknown>) =>
  dnsUpdateAction.execute(ctx(), dnsUpdateParams.parse({ server, zone: ZONE, tsig: key, ...extra }));
const verify = (extra: Record<string, unknown>) =>
  dnsVerifyAction.execute(ctx(), dnsVerifyParams.parse({ zone: ZONE, ...extra }));
const authoritative = () => ({ authoritative: true, resolver: bind.server, port });

beforeAll(async () => {
  ensureDnsPackages(['bind', 'knot', 'unbound']);
  port = await freePort();
  // Started in parallel; both settle before going on, so afterAll stops whichever started if the other failed.
  const started = await Promise.allSettled([
    startBind({ zone, tsigKey: bindKey, address: '127.0.0.1', port }).then((b) => (bind = b)),
    startKnot({ zone, tsigKey: knotKey, address: '127.0.0.2', port }).then((k) => (knot = k)),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  unbound = await startUnbound({ zone: ZONE, stub: bind.server });
}, 600_000);

afterAll(async () => {
  await Promise.all([bind?.stop(), knot?.stop(), unbound?.stop()]);
});

describe('dns.query and dns.verify against BIND and Knot authoritative servers', () => {
  it('finds every authoritative server through NS + glue and asks each with RD=0', async () => {
    const result = await dnsQueryAction.execute(
      ctx(),
      dnsQueryParams.parse({ zone: ZONE, name: 'www', ...authoritative() }),
    );
    const report = result.value as PropagationReport;
    expect(
      report.servers.map((s) => [s.nameserver, s.server, s.authoritative, s.values, s.ttl, s.serial]),
    ).toEqual([
      ['ns1.example.test', `127.0.0.1:${port}`, true, ['192.0.2.10'], 300, 1],
      ['ns2.example.test', `127.0.0.2:${port}`, true, ['192.0.2.10'], 300, 1],
    ]);
    expect(result.summary).toContain(`ns2.example.test (127.0.0.2:${port}) → 192.0.2.10 (TTL 300, serial 1)`);
  });

  it('names the lagging server and its old value while only one primary has switched, then passes', async () => {
    await update(bind.server, bindKey, {
      name: 'www',
      value: '198.51.100.20',
      ttl: 60,
      expect: '192.0.2.10',
    });
    const expectation = {
      name: 'www',
      ...authoritative(),
      expect: { values: '198.51.100.20', ttl: 60, minSerial: 2 },
      old: '192.0.2.10',
    };
    const error = await actionFailure(verify(expectation));
    expect(error.code).toBe('DNS_NOT_PROPAGATED');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `www.example.test A: 1 of 2 server(s) do not agree yet: ns2.example.test (127.0.0.2:${port}) still answers the old value 192.0.2.10, TTL 300, expected 60, SOA serial 1 is below 2`,
    );
    const query = await dnsQueryAction.execute(ctx(), dnsQueryParams.parse({ zone: ZONE, ...expectation }));
    expect((query.value as PropagationReport).servers.map((s) => s.state)).toEqual(['expected', 'old']);

    // Knot, with an hmac-sha512 key.
    await update(knot.server, knotKey, {
      name: 'www',
      value: '198.51.100.20',
      ttl: 60,
      expect: '192.0.2.10',
    });
    const ok = await verify(expectation);
    expect(ok.summary).toContain('all 2 server(s) agree');
    expect((ok.value as PropagationReport).serials).toEqual([2]);
  });

  it('reports NXDOMAIN in plain words, and accepts it when absence is expected', async () => {
    const error = await actionFailure(
      verify({ name: 'nope', ...authoritative(), expect: { values: '192.0.2.1' } }),
    );
    expect(error.message).toContain('answers NXDOMAIN (the name does not exist)');
    const ok = await verify({ name: 'nope', ...authoritative(), expect: { absent: true } });
    expect((ok.value as PropagationReport).agreeing).toHaveLength(2);
  });

  it('checks a pre-lowered TTL with maxTtl', async () => {
    const error = await actionFailure(
      verify({ name: 'gone', servers: [bind.server, knot.server], expect: { maxTtl: 60 }, recursion: false }),
    );
    expect(error.message).toContain('TTL 300 is above 60');
    const missing = await actionFailure(
      verify({ name: 'nope', servers: [bind.server], expect: { maxTtl: 60 }, recursion: false }),
    );
    expect(missing.message).toContain(
      'has no A record to check the TTL of: NXDOMAIN (the name does not exist)',
    );
  });

  it('counts an unreachable server as lagging, with the reason, within the timeout', async () => {
    const closed = await freePort();
    const silentPort = await freePort();
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(silentPort, '127.0.0.1', r));
    try {
      const error = await actionFailure(
        verify({
          name: 'www',
          servers: [bind.server, `127.0.0.1:${closed}`, `127.0.0.1:${silentPort}`],
          recursion: false,
          timeout: '1s',
          expect: { values: '198.51.100.20' },
        }),
      );
      expect(error.message).toContain('2 of 3 server(s) do not agree yet');
      expect(error.message).toContain(
        `127.0.0.1:${closed} cannot reach DNS server 127.0.0.1:${closed} over UDP: connection refused`,
      );
      expect(error.message).toContain(`no answer from DNS server 127.0.0.1:${silentPort} within 1000 ms`);
      const none = await actionFailure(
        dnsQueryAction.execute(
          ctx(),
          dnsQueryParams.parse({ name: 'www.example.test', servers: [`127.0.0.1:${closed}`] }),
        ),
      );
      expect(none.code).toBe('DNS_NO_ANSWER');
    } finally {
      silent.close();
    }
  });
});

describe('RFC 2136 against Knot', () => {
  it('refuses a stale compare-and-swap and a wrong key in plain words', async () => {
    const stale = await actionFailure(
      update(knot.server, knotKey, { name: 'knot', value: '198.51.100.90', ttl: 60, expect: '192.0.2.99' }),
    );
    expect(stale.code).toBe('DNS_CAS_MISMATCH');
    const wrong = await actionFailure(
      update(
        knot.server,
        { ...knotKey, secret: labTsigKey().secret },
        { name: 'knot', value: '198.51.100.90', ttl: 60 },
      ),
    );
    expect(wrong.code).toBe('DNS_AUTH_FAILED');
    expect(wrong.message).toContain('BADSIG');
    const unknown = await actionFailure(
      update(
        knot.server,
        { ...knotKey, name: 'other-key' },
        { name: 'knot', value: '198.51.100.90', ttl: 60 },
      ),
    );
    expect(unknown.message).toContain('BADKEY');
    await verify({
      name: 'knot',
      servers: [knot.server],
      recursion: false,
      expect: { values: '192.0.2.90' },
    });
  });
});

describe('a caching resolver (Unbound) in front of BIND', () => {
  it('serves the old answer from its cache until the TTL runs out: why TTLs are lowered before a switch', async () => {
    const viaResolver = {
      zone: ZONE,
      name: 'cache',
      servers: [unbound.server],
      expect: { values: '198.51.100.70' },
      old: '192.0.2.70',
    };
    const first = await dnsQueryAction.execute(ctx(), dnsQueryParams.parse(viaResolver));
    expect((first.value as PropagationReport).servers[0]!.values).toEqual(['192.0.2.70']);

    await update(bind.server, bindKey, {
      name: 'cache',
      value: '198.51.100.70',
      ttl: 3,
      expect: '192.0.2.70',
    });
    await verify({
      name: 'cache',
      servers: [bind.server],
      recursion: false,
      expect: { values: '198.51.100.70' },
    });

    const stale = await actionFailure(verify(viaResolver));
    expect(stale.message).toContain(`${unbound.server} still answers the old value 192.0.2.70`);
    const cached = (await dnsQueryAction.execute(ctx(), dnsQueryParams.parse(viaResolver)))
      .value as PropagationReport;
    const remaining = cached.servers[0]!.ttl!;
    expect(cached.servers[0]!.state).toBe('old');
    expect(remaining).toBeLessThanOrEqual(3);

    await systemClock.sleep((remaining + 1) * 1000);
    const fresh = await verify(viaResolver);
    expect((fresh.value as PropagationReport).servers[0]!.values).toEqual(['198.51.100.70']);
  });
});

describe('a rollback while the TTL is low', () => {
  it('reaches the resolver within the low TTL when the inverse update is run', async () => {
    const forward = dnsUpdateParams.parse({
      server: bind.server,
      zone: ZONE,
      tsig: bindKey,
      name: 'back',
      value: '198.51.100.100',
      ttl: 2,
      expect: '192.0.2.100',
    });
    await dnsUpdateAction.execute(ctx(), forward);
    const viaResolver = {
      zone: ZONE,
      name: 'back',
      servers: [unbound.server],
      expect: { values: '198.51.100.100' },
    };
    const cached = (await verify(viaResolver)).value as PropagationReport; // the resolver now caches the new value
    expect(cached.servers[0]!.ttl).toBeLessThanOrEqual(2);

    const inverse = dnsUpdateAction.inverse!(forward)!;
    expect(inverse.action).toBe('dns.update');
    await dnsUpdateAction.execute(ctx(), dnsUpdateParams.parse(inverse.with));
    await systemClock.sleep((cached.servers[0]!.ttl! + 1) * 1000);
    const back = await verify({ ...viaResolver, expect: { values: '192.0.2.100' } });
    expect((back.value as PropagationReport).servers[0]!.values).toEqual(['192.0.2.100']);
  });
});

describe('dns.query and dns.verify parameters', () => {
  const issues = (schema: typeof dnsVerifyParams | typeof dnsQueryParams, p: Record<string, unknown>) =>
    (schema.safeParse(p).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it('needs somewhere to ask and something to verify', () => {
    expect(issues(dnsQueryParams, { name: 'www' })).toEqual([
      'servers: give servers: [IP[:port], ...] or authoritative: true',
    ]);
    expect(issues(dnsQueryParams, { name: 'www', authoritative: true })).toEqual([
      'zone: authoritative: true needs the zone',
      'resolver: authoritative: true needs a resolver (or servers) to find the NS records through',
    ]);
    expect(issues(dnsVerifyParams, { name: 'www', servers: ['127.0.0.1'], expect: {} })).toEqual([
      'expect: say what to verify: values, absent, ttl, maxTtl or minSerial',
    ]);
    expect(issues(dnsVerifyParams, { name: 'www', servers: ['127.0.0.1'] })[0]).toMatch(/^expect: /);
  });

  it('reports bad types, ports and unknown keys with their place', () => {
    const found = issues(dnsQueryParams, {
      name: 'www',
      servers: ['127.0.0.1'],
      type: 'SPF',
      port: 70000,
      color: 'red',
    });
    expect(found.some((i) => i.startsWith('type:'))).toBe(true);
    expect(found.some((i) => i.startsWith('port:'))).toBe(true);
    expect(found.some((i) => i.includes('color'))).toBe(true);
  });

  it('plans as read-only, saying whom it would ask', async () => {
    const plan = await dnsVerifyAction.plan!(
      ctx(),
      dnsVerifyParams.parse({
        zone: ZONE,
        name: 'www',
        authoritative: true,
        resolver: '127.0.0.1:53',
        expect: { values: '192.0.2.1' },
      }),
    );
    expect(plan).toEqual({
      summary:
        'read-only: asks every authoritative server of example.test (found via 127.0.0.1:53) for www.example.test A',
      changes: [],
    });
  });

  it('rejects a server that is not an address when run', async () => {
    const error = await actionFailure(
      dnsQueryAction.execute(ctx(), dnsQueryParams.parse({ name: 'www', servers: ['ns1.example.com'] })),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toContain("'ns1.example.com' is not a DNS server address");
  });
});
