import { describe, expect, it } from 'vitest';
import type { ClientOptions } from 'cloudflare';
import { FakeCloudflare } from '../../../../test/support/fake-cloudflare.js';
import { testActionContext, actionFailure } from '../../../../test/support/action-context.js';
import { createDnsUpdateAction, dnsUpdateParams } from '../../dns-update/dns-update-action.js';
import { createDnsLowerTtlAction, dnsLowerTtlParams } from '../../dns-lower-ttl/dns-lower-ttl-action.js';

const ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
const TOKEN = 'cf-token-Y2xvdWRmbGFyZS1zZWNyZXQtdG9rZW4';

function setup() {
  const fake = new FakeCloudflare(ZONE_ID, TOKEN);
  fake.add({ name: 'www.example.com', type: 'A', content: '192.0.2.10', ttl: 300 });
  fake.add({ name: 'www.example.com', type: 'A', content: '192.0.2.11', ttl: 300 });
  fake.add({ name: 'auto.example.com', type: 'A', content: '192.0.2.20', ttl: 1 });
  const factories = { cloudflare: (options: ClientOptions) => fake.client(options) };
  return {
    fake,
    update: createDnsUpdateAction(factories),
    lower: createDnsLowerTtlAction(factories),
    ctx: testActionContext({ secrets: [TOKEN] }),
  };
}

const params = (extra: Record<string, unknown>) =>
  dnsUpdateParams.parse({
    provider: 'cloudflare',
    zoneId: ZONE_ID,
    apiToken: TOKEN,
    zone: 'example.com',
    name: 'www',
    ttl: 60,
    ...extra,
  });
const batches = (fake: FakeCloudflare) => fake.requests.filter((r) => r.url.endsWith('/dns_records/batch'));
const contents = (fake: FakeCloudflare, name: string) =>
  fake.records
    .filter((r) => r.name === name)
    .map((r) => `${r.content}/${r.ttl}`)
    .sort();

describe('dns.update with Cloudflare (official SDK at its fetch boundary)', () => {
  it('checks the current values again, then replaces them in one batch with the token as bearer', async () => {
    const { fake, update, ctx } = setup();
    const result = await update.execute(
      ctx,
      params({ value: '198.51.100.20', expect: ['192.0.2.11', '192.0.2.10'] }),
    );
    expect(contents(fake, 'www.example.com')).toEqual(['198.51.100.20/60']);
    const [batch] = batches(fake);
    expect(JSON.parse(batch!.body)).toEqual({
      deletes: [{ id: 'rec1' }, { id: 'rec2' }],
      posts: [{ name: 'www.example.com', type: 'A', content: '198.51.100.20', ttl: 60, proxied: false }],
    });
    expect(fake.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(result.output).toMatchObject({ changed: true, reference: 'rec4' });
    expect(JSON.stringify(result) + ctx.logText()).not.toContain(TOKEN);
  });

  it('sends no write when the record already holds the target', async () => {
    const { fake, update, ctx } = setup();
    const result = await update.execute(ctx, params({ values: ['192.0.2.10', '192.0.2.11'], ttl: 300 }));
    expect(result.output).toMatchObject({ changed: false });
    expect(batches(fake)).toHaveLength(0);
  });

  it('refuses a stale expectation and a record edited between the read and the write', async () => {
    const { fake, update, ctx } = setup();
    const stale = await actionFailure(
      update.execute(ctx, params({ value: '198.51.100.20', expect: '192.0.2.10' })),
    );
    expect(stale.code).toBe('DNS_CAS_MISMATCH');
    expect(stale.message).toContain('holds 192.0.2.10, 192.0.2.11 (TTL 300), not the expected 192.0.2.10');

    fake.afterList = (n) => {
      if (n === 2) fake.add({ name: 'www.example.com', type: 'A', content: '203.0.113.9', ttl: 300 });
    };
    const moved = await actionFailure(
      update.execute(ctx, params({ value: '198.51.100.20', expect: ['192.0.2.10', '192.0.2.11'] })),
    );
    expect(moved.code).toBe('DNS_CAS_MISMATCH');
    expect(moved.message).toContain(
      'changed while switching: it now holds 192.0.2.10, 192.0.2.11, 203.0.113.9',
    );
    expect(batches(fake)).toHaveLength(0);
    expect(contents(fake, 'www.example.com')).toEqual([
      '192.0.2.10/300',
      '192.0.2.11/300',
      '203.0.113.9/300',
    ]);
  });

  it('refuses a TTL below the Cloudflare floor before writing', async () => {
    const { fake, update, ctx } = setup();
    const error = await actionFailure(update.execute(ctx, params({ value: '198.51.100.20', ttl: 10 })));
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toBe(
      'cloudflare does not accept TTL 10: use 1 (automatic) or 60–86400 s (30 s on Enterprise plans)',
    );
    expect(batches(fake)).toHaveLength(0);
  });

  it('reports an authentication error as not retryable, redacting the token even when the API echoes it', async () => {
    const { update } = setup();
    const wrong = 'wrong-token-abcdef0123456789';
    const ctx = testActionContext({ secrets: [TOKEN, wrong] });
    const error = await actionFailure(
      update.execute(ctx, params({ apiToken: wrong, value: '198.51.100.20' })),
    );
    expect(error.code).toBe('DNS_PROVIDER_ERROR');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^cloudflare: listing www\.example\.com A failed \(HTTP 403\): .*Authentication error/,
    );
    expect(error.message).toContain('Authentication error: Bearer ***');
    expect(error.message).not.toContain(wrong);
  });

  it('treats TTL 1 as automatic (300 s) when lowering, and takes zone and token from a connection', async () => {
    const { fake, lower } = setup();
    const ctx = testActionContext({
      secrets: [TOKEN],
      connections: {
        cf: { kind: 'cloudflare', url: undefined, options: { zoneId: ZONE_ID, apiToken: TOKEN } },
      },
    });
    const result = await lower.execute(
      ctx,
      dnsLowerTtlParams.parse({
        provider: 'cloudflare',
        connection: 'cf',
        zone: 'example.com',
        name: 'auto',
        ttl: 60,
      }),
    );
    expect(result.output).toMatchObject({ oldTtl: 300, ttl: 60 });
    expect(contents(fake, 'auto.example.com')).toEqual(['192.0.2.20/60']);
  });
});
