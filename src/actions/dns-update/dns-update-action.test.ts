import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { dig as digRecord, labTsigKey, soaSerial } from '../../../test/support/dns-lab.js';
import { testActionContext, actionFailure } from '../../../test/support/action-context.js';
import { Rfc2136Provider } from '../shared/dns-providers/rfc2136-provider.js';
import { parseServer } from '../shared/dns-wire/dns-transport.js';
import { systemClock } from '../../../test/support/action-context.js';
import { dnsUpdateAction, dnsUpdateParams } from './dns-update-action.js';
import { dnsQueryAction } from '../dns-query/dns-query-action.js';
import { dnsQueryParams } from '../dns-query/dns-query-params.js';
import type { PropagationReport } from '../dns-query/check-propagation.js';

const ZONE = 'example.test';
const key = labTsigKey();
const readOnlyKey = labTsigKey('read-only-key');
let bind: BindServer;

const dig = (name: string, type = 'A') => digRecord(bind, name, type);
const serial = () => soaSerial(bind, ZONE);

const base = () => ({
  provider: 'rfc2136',
  server: bind.server,
  zone: ZONE,
  type: 'A',
  tsig: { name: key.name, algorithm: key.algorithm, secret: key.secret },
});
const params = (extra: Record<string, unknown>) => dnsUpdateParams.parse({ ...base(), ...extra });
const ctx = () => testActionContext({ secrets: [key.secret] });

beforeAll(async () => {
  bind = await startBind({
    zone: {
      name: ZONE,
      records: [
        'www 300 IN A 192.0.2.10',
        'api 300 IN A 192.0.2.30',
        'stale 300 IN A 192.0.2.40',
        'secure 300 IN A 192.0.2.50',
        'v6 300 IN AAAA 2001:db8::10',
        'txt 300 IN TXT "legacy"',
        'alias 300 IN CNAME legacy.example.net.',
      ],
    },
    tsigKey: key,
    otherKeys: [readOnlyKey],
  });
}, 600_000);

afterAll(async () => {
  await bind?.stop();
});

describe('dns.update with RFC 2136 + TSIG against BIND 9', () => {
  it('switches a record with compare-and-swap, sets the TTL and bumps the SOA serial', async () => {
    const before = serial();
    const result = await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'www', value: '198.51.100.20', ttl: 60, expect: '192.0.2.10' }),
    );
    expect(result.output).toMatchObject({ changed: true, from: { values: ['192.0.2.10'], ttl: 300 } });
    expect(dig('www.example.test')).toEqual({ values: ['198.51.100.20'], ttl: 60 });
    expect(serial()).toBeGreaterThan(before);
    expect(result.summary).toContain('192.0.2.10 (TTL 300) → 198.51.100.20 (TTL 60)');
  });

  it('succeeds without a change when the record already holds the target value', async () => {
    const before = serial();
    const result = await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'www', value: '198.51.100.20', ttl: 60, expect: '192.0.2.10' }),
    );
    expect(result.output).toMatchObject({ changed: false });
    expect(result.summary).toContain('nothing to change');
    expect(serial()).toBe(before);
  });

  it('only sets the TTL when the record already holds the target value with another TTL', async () => {
    const result = await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'www', value: '198.51.100.20', ttl: 30, expect: '192.0.2.10' }),
    );
    expect(result.output).toMatchObject({ changed: true, from: { ttl: 60 }, to: { ttl: 30 } });
    expect(dig('www.example.test')).toEqual({ values: ['198.51.100.20'], ttl: 30 });
  });

  it('writes long TXT values as several strings and reads them back over TCP when UDP truncates', async () => {
    const long = 'k='.padEnd(700, 'x');
    await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'long', type: 'TXT', value: long, ttl: 60, expect: [] }),
    );
    const query = await dnsQueryAction.execute(
      ctx(),
      dnsQueryParams.parse({
        name: 'long.example.test',
        type: 'TXT',
        servers: [bind.server],
        recursion: false,
      }),
    );
    expect((query.value as PropagationReport).servers[0]!.values).toEqual([long]);
    const again = await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'long', type: 'TXT', value: long, ttl: 60 }),
    );
    expect(again.output).toMatchObject({ changed: false });
  });

  it('takes the server and TSIG key from a named connection', async () => {
    const c = testActionContext({
      secrets: [key.secret],
      connections: {
        'primary-dns': {
          kind: 'dns',
          url: `dns://${bind.server}`,
          options: { tsig: { name: key.name, secret: key.secret } },
        },
      },
    });
    const result = await dnsUpdateAction.execute(
      c,
      dnsUpdateParams.parse({
        connection: 'primary-dns',
        zone: ZONE,
        name: 'conn',
        value: '198.51.100.70',
        ttl: 60,
        expect: [],
      }),
    );
    expect(result.output).toMatchObject({ changed: true, target: `rfc2136 ${bind.server}` });
    expect(dig('conn.example.test').values).toEqual(['198.51.100.70']);
    const bad = testActionContext({
      connections: {
        'primary-dns': { kind: 'dns', url: `dns://${bind.server}`, options: { tsig: { secret: 'abc=' } } },
      },
    });
    const error = await actionFailure(
      dnsUpdateAction.execute(
        bad,
        dnsUpdateParams.parse({
          connection: 'primary-dns',
          zone: ZONE,
          name: 'conn',
          value: '198.51.100.71',
          ttl: 60,
        }),
      ),
    );
    expect(error.message).toMatch(/^connection 'primary-dns': options\.tsig is not a TSIG key: name /);
  });

  it('refuses a stale compare-and-swap, not retryable, and leaves the record alone', async () => {
    const error = await actionFailure(
      dnsUpdateAction.execute(
        ctx(),
        params({ name: 'api', value: '198.51.100.30', ttl: 60, expect: '192.0.2.99' }),
      ),
    );
    expect(error.code).toBe('DNS_CAS_MISMATCH');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('holds 192.0.2.30 (TTL 300), not the expected 192.0.2.99');
    expect(dig('api.example.test').values).toEqual(['192.0.2.30']);
  });

  it('lets the server refuse the swap (NXRRSET) when the record changed after it was read', async () => {
    // Write directly with a stale "current": only the RFC 2136 prerequisite can stop it.
    const provider = new Rfc2136Provider(parseServer(bind.server), ZONE, key, {
      clock: systemClock,
      signal: new AbortController().signal,
      timeoutMs: 2000,
    });
    const error = await actionFailure(
      provider.write(
        'stale.example.test',
        'A',
        { values: ['192.0.2.99'], ttl: 300 },
        { values: ['198.51.100.40'], ttl: 60 },
      ),
    );
    expect(error.code).toBe('DNS_CAS_MISMATCH');
    expect(error.message).toContain('NXRRSET');
    expect(dig('stale.example.test').values).toEqual(['192.0.2.40']);
  });

  it('creates a record only while it does not exist (expect: [])', async () => {
    const created = await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'new', value: '198.51.100.60', ttl: 30, expect: [] }),
    );
    expect(created.output).toMatchObject({ changed: true, from: null });
    expect(dig('new.example.test')).toEqual({ values: ['198.51.100.60'], ttl: 30 });
    const error = await actionFailure(
      dnsUpdateAction.execute(ctx(), params({ name: 'new', value: '198.51.100.61', ttl: 30, expect: [] })),
    );
    expect(error.code).toBe('DNS_CAS_MISMATCH');
    expect(dig('new.example.test').values).toEqual(['198.51.100.60']);
  });

  it('sets several values, AAAA, TXT and CNAME records', async () => {
    await dnsUpdateAction.execute(
      ctx(),
      params({
        name: 'v6',
        type: 'AAAA',
        values: ['2001:db8::20', '2001:db8::21'],
        ttl: 60,
        expect: '2001:0db8:0:0::10',
      }),
    );
    expect(dig('v6.example.test', 'AAAA').values).toEqual(['2001:db8::20', '2001:db8::21']);
    await dnsUpdateAction.execute(
      ctx(),
      params({ name: 'txt', type: 'TXT', value: 'cutover done', ttl: 60, expect: 'legacy' }),
    );
    expect(dig('txt.example.test', 'TXT').values).toEqual(['"cutover done"']);
    await dnsUpdateAction.execute(
      ctx(),
      params({
        name: 'alias',
        type: 'CNAME',
        value: 'new.example.net',
        ttl: 60,
        expect: 'legacy.example.net.',
      }),
    );
    expect(dig('alias.example.test', 'CNAME').values).toEqual(['new.example.net.']);
  });

  it('says BADSIG in plain words for a wrong secret, changes nothing and never shows the secret', async () => {
    const wrong = labTsigKey(key.name).secret;
    const c = testActionContext({ secrets: [key.secret, wrong] });
    const error = await actionFailure(
      dnsUpdateAction.execute(
        c,
        params({
          name: 'secure',
          value: '198.51.100.50',
          ttl: 60,
          tsig: { name: key.name, algorithm: key.algorithm, secret: wrong },
        }),
      ),
    );
    expect(error.code).toBe('DNS_AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/BADSIG.*secret of key 'cutover-key' differs/);
    expect(`${error.message} ${error.hint ?? ''} ${c.logText()}`).not.toContain(wrong);
    expect(dig('secure.example.test').values).toEqual(['192.0.2.50']);
  });

  it('says BADKEY when the server does not know the key', async () => {
    const error = await actionFailure(
      dnsUpdateAction.execute(
        ctx(),
        params({
          name: 'secure',
          value: '198.51.100.50',
          ttl: 60,
          tsig: { name: 'nobody-key', secret: key.secret },
        }),
      ),
    );
    expect(error.code).toBe('DNS_AUTH_FAILED');
    expect(error.message).toMatch(/BADKEY.*does not know key 'nobody-key'/);
  });

  it('says BADTIME when our clock is off by more than the fudge', async () => {
    const skewed = { now: () => Date.now() + 3_600_000, sleep: systemClock.sleep };
    const error = await actionFailure(
      dnsUpdateAction.execute(
        testActionContext({ clock: skewed, secrets: [key.secret] }),
        params({ name: 'secure', value: '198.51.100.52', ttl: 60 }),
      ),
    );
    expect(error.code).toBe('DNS_AUTH_FAILED');
    expect(error.message).toMatch(
      /BADTIME\): the clocks differ by more than 300 s \(ours is 3\d{3} s off the server's\)/,
    );
    expect(dig('secure.example.test').values).not.toContain('198.51.100.52');
  });

  it('signs with the wall clock when the run clock of a sped-up rehearsal is hours ahead', async () => {
    const ahead = { now: () => Date.now() + 3_600_000, sleep: systemClock.sleep };
    const result = await dnsUpdateAction.execute(
      testActionContext({ clock: ahead, realClock: systemClock, secrets: [key.secret] }),
      params({ name: 'secure', value: '198.51.100.54', ttl: 60 }),
    );
    expect(result.summary).toContain('198.51.100.54');
    expect(dig('secure.example.test').values).toContain('198.51.100.54');
  });

  it('rejects a secret that is not base64 without echoing it', async () => {
    const notBase64 = 'hunter2!not-base64';
    const error = await actionFailure(
      dnsUpdateAction.execute(
        ctx(),
        params({
          name: 'secure',
          value: '198.51.100.50',
          ttl: 60,
          tsig: { name: key.name, secret: notBase64 },
        }),
      ),
    );
    expect(error.code).toBe('INVALID_PARAMS');
    expect(`${error.message} ${error.hint}`).not.toContain(notBase64);
  });

  it('says REFUSED in plain words when the update-policy does not grant the key', async () => {
    const error = await actionFailure(
      dnsUpdateAction.execute(
        testActionContext({ secrets: [readOnlyKey.secret] }),
        params({ name: 'secure', value: '198.51.100.53', ttl: 60, tsig: readOnlyKey }),
      ),
    );
    expect(error.code).toBe('DNS_UPDATE_REFUSED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `${bind.server} rejected the update of secure.example.test A in zone example.test: the server refused the update (REFUSED): its update-policy / ACL does not allow this key or address`,
    );
    expect(dig('secure.example.test').values).not.toContain('198.51.100.53');
  });

  it('says the server is not authoritative when the zone is not served there', async () => {
    const error = await actionFailure(
      dnsUpdateAction.execute(
        ctx(),
        params({ zone: 'other.test', name: 'www', value: '198.51.100.20', ttl: 60 }),
      ),
    );
    expect(error.code).toBe('DNS_UPDATE_REFUSED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      `${bind.server} is not authoritative for www.other.test (answered REFUSED without AA)`,
    );
    expect(error.hint).toBe('point server: at the primary of zone other.test');
  });

  it('keeps the secret out of outputs and logs of a successful update', async () => {
    const c = ctx();
    const result = await dnsUpdateAction.execute(
      c,
      params({ name: 'secure', value: '198.51.100.51', ttl: 60 }),
    );
    expect(JSON.stringify(result)).not.toContain(key.secret);
    expect(c.logText()).not.toContain(key.secret);
    expect(c.lines.length).toBeGreaterThan(0);
  });

  it('plans the change (from → to) without making it', async () => {
    const before = serial();
    const plan = await dnsUpdateAction.plan!(
      ctx(),
      params({ name: 'api', value: '198.51.100.30', ttl: 60, expect: '192.0.2.30' }),
    );
    expect(plan.changes).toEqual([
      {
        target: `api.example.test A on rfc2136 ${bind.server}`,
        from: '192.0.2.30 (TTL 300)',
        to: '198.51.100.30 (TTL 60)',
        note: 'only while it holds 192.0.2.30',
      },
    ]);
    expect(serial()).toBe(before);
    expect(dig('api.example.test').values).toEqual(['192.0.2.30']);
  });
});
