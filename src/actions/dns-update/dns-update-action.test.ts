import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { labTsigKey } from '../../../test/support/dns-lab.js';
import { dnsActionContext } from '../../../test/support/dns-action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { Rfc2136Provider } from '../dns-providers/rfc2136-provider.js';
import { parseServer } from '../dns-wire/dns-transport.js';
import { realClock } from '../../../test/support/dns-action-context.js';
import { dnsUpdateAction, dnsUpdateParams } from './dns-update-action.js';
import { dnsQueryAction } from '../dns-query/dns-query-action.js';
import { dnsQueryParams } from '../dns-query/dns-query-params.js';
import type { PropagationReport } from '../dns-query/check-propagation.js';

const ZONE = 'example.test';
const key = labTsigKey();
const readOnlyKey = labTsigKey('read-only-key');
let bind: BindServer;

/** Reads a record with dig, independently of our own DNS code. */
function dig(name: string, type = 'A'): { values: string[]; ttl: number | undefined } {
  const out = execFileSync(
    'dig',
    [`@${bind.address}`, '-p', String(bind.port), '+norec', '+noall', '+answer', name, type],
    {
      encoding: 'utf8',
    },
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

function serial(): number {
  const out = execFileSync(
    'dig',
    [`@${bind.address}`, '-p', String(bind.port), '+norec', '+short', ZONE, 'SOA'],
    {
      encoding: 'utf8',
    },
  );
  return Number(out.trim().split(' ')[2]);
}

const base = () => ({
  provider: 'rfc2136',
  server: bind.server,
  zone: ZONE,
  type: 'A',
  tsig: { name: key.name, algorithm: key.algorithm, secret: key.secret },
});
const params = (extra: Record<string, unknown>) => dnsUpdateParams.parse({ ...base(), ...extra });
const ctx = () => dnsActionContext({ secrets: [key.secret] });

async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected a failure');
}

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
    const c = dnsActionContext({
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
    const bad = dnsActionContext({
      connections: {
        'primary-dns': { kind: 'dns', url: `dns://${bind.server}`, options: { tsig: { secret: 'abc=' } } },
      },
    });
    const error = await failure(
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
    const error = await failure(
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
      clock: realClock,
      signal: new AbortController().signal,
      timeoutMs: 2000,
    });
    const error = await failure(
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
    const error = await failure(
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
    const c = dnsActionContext({ secrets: [key.secret, wrong] });
    const error = await failure(
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
    expect(`${error.message} ${error.hint ?? ''} ${c.logs.join('')}`).not.toContain(wrong);
    expect(dig('secure.example.test').values).toEqual(['192.0.2.50']);
  });

  it('says BADKEY when the server does not know the key', async () => {
    const error = await failure(
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
    const skewed = { now: () => Date.now() + 3_600_000, sleep: realClock.sleep };
    const error = await failure(
      dnsUpdateAction.execute(
        dnsActionContext({ clock: skewed, secrets: [key.secret] }),
        params({ name: 'secure', value: '198.51.100.52', ttl: 60 }),
      ),
    );
    expect(error.code).toBe('DNS_AUTH_FAILED');
    expect(error.message).toMatch(
      /BADTIME\): the clocks differ by more than 300 s \(ours is 3\d{3} s off the server's\)/,
    );
    expect(dig('secure.example.test').values).not.toContain('198.51.100.52');
  });

  it('rejects a secret that is not base64 without echoing it', async () => {
    const notBase64 = 'hunter2!not-base64';
    const error = await failure(
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
    expect(error.code).toBe('DNS_BAD_PARAMS');
    expect(`${error.message} ${error.hint}`).not.toContain(notBase64);
  });

  it('says REFUSED in plain words when the update-policy does not grant the key', async () => {
    const error = await failure(
      dnsUpdateAction.execute(
        dnsActionContext({ secrets: [readOnlyKey.secret] }),
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
    const error = await failure(
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
    expect(c.logs.join('\n')).not.toContain(key.secret);
    expect(c.logs.length).toBeGreaterThan(0);
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

describe('dns.update response verification and transport errors', () => {
  /** A UDP relay in front of BIND that alters each UPDATE response (opcode 5) with `tamper`. */
  async function tamperingProxy(tamper: (msg: Buffer) => Buffer): Promise<{ server: string; close(): void }> {
    const port = await freePort();
    const socket: Socket = createSocket('udp4');
    socket.on('message', (msg, client) => {
      const upstream = createSocket('udp4');
      upstream.on('message', (answer) => {
        const isUpdate = ((answer[2]! >> 3) & 0x0f) === 5;
        socket.send(isUpdate ? tamper(Buffer.from(answer)) : answer, client.port, client.address);
        upstream.close();
      });
      upstream.send(msg, bind.port, bind.address);
    });
    await new Promise<void>((r) => socket.bind(port, '127.0.0.1', r));
    return { server: `127.0.0.1:${port}`, close: () => socket.close() };
  }

  it('rejects a response whose TSIG MAC does not verify', async () => {
    // Flip the RA bit in the header: covered by the MAC, harmless otherwise.
    const proxy = await tamperingProxy((m) => ((m[3] = m[3]! ^ 0x80), m));
    try {
      const error = await failure(
        dnsUpdateAction.execute(
          ctx(),
          params({ server: proxy.server, name: 'api', value: '198.51.100.31', ttl: 60 }),
        ),
      );
      expect(error.code).toBe('DNS_BAD_RESPONSE');
      expect(error.message).toContain('does not verify');
    } finally {
      proxy.close();
    }
  });

  it('rejects an unsigned response to a signed request', async () => {
    // Drop the TSIG record: ARCOUNT to 0 and cut the message after the zone section echo.
    const proxy = await tamperingProxy((m) => {
      if (m.readUInt16BE(10) === 0) return m;
      const cut = Buffer.from(m.subarray(0, 12 + 'example.test'.length + 2 + 4));
      cut.writeUInt16BE(0, 10);
      return cut;
    });
    try {
      const error = await failure(
        dnsUpdateAction.execute(
          ctx(),
          params({ server: proxy.server, name: 'api', value: '198.51.100.32', ttl: 60 }),
        ),
      );
      expect(error.code).toBe('DNS_BAD_RESPONSE');
      expect(error.message).toContain('without a TSIG signature');
    } finally {
      proxy.close();
    }
  });

  it('fails within the timeout, naming the server, when nothing answers', async () => {
    const port = await freePort();
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(port, '127.0.0.1', r));
    try {
      const error = await failure(
        dnsUpdateAction.execute(
          ctx(),
          params({
            server: `127.0.0.1:${port}`,
            name: 'api',
            value: '198.51.100.31',
            ttl: 60,
            timeout: '1s',
          }),
        ),
      );
      expect(error.code).toBe('DNS_UNREACHABLE');
      expect(error.message).toBe(`no answer from DNS server 127.0.0.1:${port} within 1000 ms`);
    } finally {
      silent.close();
    }
  });

  it('stops waiting as soon as the run is cancelled', async () => {
    const port = await freePort();
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(port, '127.0.0.1', r));
    const controller = new AbortController();
    const reason = new Error('run cancelled by the operator');
    try {
      const pending = dnsUpdateAction.execute(
        dnsActionContext({ signal: controller.signal }),
        params({ server: `127.0.0.1:${port}`, name: 'api', value: '198.51.100.33', ttl: 60, timeout: '1m' }),
      );
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
      await expect(
        dnsUpdateAction.execute(
          dnsActionContext({ signal: controller.signal }),
          params({ name: 'api', value: '198.51.100.33', ttl: 60 }),
        ),
      ).rejects.toBe(reason);
    } finally {
      silent.close();
    }
  });

  it('says "connection refused" when nothing listens on the port', async () => {
    const port = await freePort();
    const error = await failure(
      dnsUpdateAction.execute(
        ctx(),
        params({ server: `127.0.0.1:${port}`, name: 'api', value: '198.51.100.31', ttl: 60 }),
      ),
    );
    expect(error.code).toBe('DNS_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('connection refused');
  });
});

describe('dns.update parameters', () => {
  const issues = (p: Record<string, unknown>) =>
    (dnsUpdateParams.safeParse(p).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it('reports every problem with where it is', () => {
    const found = issues({
      provider: 'rfc2136',
      zone: 'example.test',
      name: 'www',
      type: 'MX',
      ttl: -1,
      bogus: 1,
    });
    expect(found.some((i) => i.startsWith('type:'))).toBe(true);
    expect(found.some((i) => i.startsWith('ttl:'))).toBe(true);
    expect(found.some((i) => i.includes('bogus'))).toBe(true);
  });

  it('needs a server for rfc2136 and exactly one of value/values', () => {
    const found = issues({
      zone: 'example.test',
      name: 'www',
      ttl: 60,
      value: '192.0.2.1',
      values: ['192.0.2.2'],
    });
    expect(found).toContain('server: rfc2136 needs server: IP[:port] of the primary, or a connection');
    expect(found).toContain('value: give either value or values (exactly one)');
  });

  it('needs the Cloudflare zone and token, and the Route 53 hosted zone', () => {
    expect(
      issues({ provider: 'cloudflare', zone: 'example.com', name: 'www', ttl: 60, value: '192.0.2.1' }),
    ).toEqual([
      'zoneId: cloudflare needs zoneId, or a connection',
      'apiToken: cloudflare needs apiToken (by reference), or a connection',
    ]);
    expect(
      issues({ provider: 'route53', zone: 'example.com', name: 'www', ttl: 60, value: '192.0.2.1' }),
    ).toEqual(['hostedZoneId: route53 needs hostedZoneId, or a connection']);
  });

  it('accepts secret references where a secret goes', () => {
    expect(
      issues({
        ...base(),
        name: 'www',
        ttl: 60,
        value: '192.0.2.1',
        tsig: { name: 'k', secret: '${env:TSIG_SECRET}' },
      }),
    ).toEqual([]);
  });

  it('rejects bad values, a bad server and a name outside the zone when run', async () => {
    const bad = async (extra: Record<string, unknown>) =>
      (await failure(dnsUpdateAction.execute(ctx(), params(extra)))).message;
    expect(await bad({ name: 'www', value: '300.1.1.1', ttl: 60 })).toContain(
      "'300.1.1.1' is not a valid A value",
    );
    expect(await bad({ name: 'www', value: '192.0.2.1', expect: 'nope', ttl: 60 })).toContain(
      "'nope' is not a valid A value",
    );
    expect(await bad({ name: 'www.other.test.', value: '192.0.2.1', ttl: 60 })).toContain(
      'not inside zone example.test',
    );
    expect(await bad({ server: 'dns.example.com:53', name: 'www', value: '192.0.2.1', ttl: 60 })).toContain(
      "'dns.example.com:53' is not a DNS server address",
    );
  });

  it('drafts the inverse update back to the old value', () => {
    const inverse = dnsUpdateAction.inverse!(
      params({ name: 'www', value: '198.51.100.20', ttl: 60, expect: '192.0.2.10' }),
    );
    expect(inverse).toMatchObject({
      action: 'dns.update',
      with: { name: 'www', value: '192.0.2.10', expect: '198.51.100.20', ttl: 60 },
    });
    expect(
      dnsUpdateAction.inverse!(params({ name: 'www', value: '198.51.100.20', ttl: 60 })),
    ).toBeUndefined();
  });
});
