import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { labTsigKey } from '../../../test/support/dns-lab.js';
import { testActionContext, actionFailure } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { dnsUpdateAction, dnsUpdateParams } from './dns-update-action.js';

/* dns.update when things go wrong on the way: forged or stripped responses, silence, refusal, cancellation,
 * and bad parameters. */
const ZONE = 'example.test';
const key = labTsigKey();
let bind: BindServer;

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
  bind = await startBind({ zone: { name: ZONE, records: ['api 300 IN A 192.0.2.30'] }, tsigKey: key });
}, 600_000);

afterAll(async () => {
  await bind?.stop();
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
      const error = await actionFailure(
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
      const error = await actionFailure(
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
      const error = await actionFailure(
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
        testActionContext({ signal: controller.signal }),
        params({ server: `127.0.0.1:${port}`, name: 'api', value: '198.51.100.33', ttl: 60, timeout: '1m' }),
      );
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
      await expect(
        dnsUpdateAction.execute(
          testActionContext({ signal: controller.signal }),
          params({ name: 'api', value: '198.51.100.33', ttl: 60 }),
        ),
      ).rejects.toBe(reason);
    } finally {
      silent.close();
    }
  });

  it('says "connection refused" when nothing listens on the port', async () => {
    const port = await freePort();
    const error = await actionFailure(
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
      (await actionFailure(dnsUpdateAction.execute(ctx(), params(extra)))).message;
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
