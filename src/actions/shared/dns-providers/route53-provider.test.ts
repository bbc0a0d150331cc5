import { describe, expect, it } from 'vitest';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';
import { FakeRoute53 } from '../../../../test/support/fake-route53.js';
import { testActionContext, actionFailure } from '../../../../test/support/action-context.js';
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { createDnsUpdateAction, dnsUpdateParams } from '../../dns-update/dns-update-action.js';
import { createDnsLowerTtlAction, dnsLowerTtlParams } from '../../dns-lower-ttl/dns-lower-ttl-action.js';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';

function setup(pendingPolls = 2) {
  const fake = new FakeRoute53(ZONE_ID, pendingPolls);
  fake.put({ name: 'www.example.com.', type: 'A', ttl: 300, values: ['192.0.2.10'] });
  fake.put({ name: 'spf.example.com.', type: 'TXT', ttl: 300, values: ['"v=spf1 -all"'] });
  const factories = { route53: (config: Route53ClientConfig) => fake.client(config) };
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 3), { autoAdvance: true });
  return {
    fake,
    clock,
    update: createDnsUpdateAction(factories),
    lower: createDnsLowerTtlAction(factories),
    ctx: testActionContext({ clock }),
  };
}

const params = (extra: Record<string, unknown>) =>
  dnsUpdateParams.parse({
    provider: 'route53',
    hostedZoneId: ZONE_ID,
    zone: 'example.com',
    name: 'www',
    ttl: 60,
    ...extra,
  });
const posts = (fake: FakeRoute53) => fake.requests.filter((r) => r.method === 'POST');

describe('dns.update with Route 53 (AWS SDK v3 at its HTTP boundary)', () => {
  it('swaps in one DELETE+CREATE batch, then polls GetChange on the clock until INSYNC', async () => {
    const { fake, clock, update, ctx } = setup(2);
    const result = await update.execute(
      ctx,
      params({ value: '198.51.100.20', expect: '192.0.2.10', pollInterval: '3s' }),
    );
    const [post] = posts(fake);
    expect(post!.path).toBe(`/2013-04-01/hostedzone/${ZONE_ID}/rrset`);
    expect(post!.body).toMatch(
      /<Action>DELETE<\/Action>.*<Value>192\.0\.2\.10<\/Value>.*<Action>CREATE<\/Action>.*<TTL>60<\/TTL>.*<Value>198\.51\.100\.20<\/Value>/s,
    );
    expect(fake.sets.get('www.example.com. A')).toEqual({
      name: 'www.example.com.',
      type: 'A',
      ttl: 60,
      values: ['198.51.100.20'],
    });
    expect(fake.requests.filter((r) => r.path.startsWith('/2013-04-01/change/'))).toHaveLength(3);
    expect(clock.sleeps).toEqual([3000, 3000]);
    expect(result.output).toMatchObject({
      changed: true,
      reference: '/change/C000000000001',
      details: { status: 'INSYNC' },
    });
  });

  it('sends nothing when the record already holds the target', async () => {
    const { fake, update, ctx } = setup();
    fake.put({ name: 'www.example.com.', type: 'A', ttl: 60, values: ['198.51.100.20'] });
    const result = await update.execute(ctx, params({ value: '198.51.100.20', expect: '192.0.2.10' }));
    expect(result.output).toMatchObject({ changed: false });
    expect(posts(fake)).toHaveLength(0);
  });

  it('refuses a stale expectation before sending anything', async () => {
    const { fake, update, ctx } = setup();
    const error = await actionFailure(
      update.execute(ctx, params({ value: '198.51.100.20', expect: '203.0.113.5' })),
    );
    expect(error.code).toBe('DNS_CAS_MISMATCH');
    expect(error.retryable).toBe(false);
    expect(posts(fake)).toHaveLength(0);
  });

  it('turns InvalidChangeBatch from a concurrent edit into a refused compare-and-swap', async () => {
    const { fake, update, ctx } = setup();
    fake.beforeChange = () =>
      fake.put({ name: 'www.example.com.', type: 'A', ttl: 300, values: ['203.0.113.7'] });
    const error = await actionFailure(
      update.execute(ctx, params({ value: '198.51.100.20', expect: '192.0.2.10' })),
    );
    expect(error.code).toBe('DNS_CAS_MISMATCH');
    expect(error.message).toContain('do not match the current values');
    expect(error.message).toContain('it now holds 203.0.113.7 (TTL 300)');
    expect(fake.sets.get('www.example.com. A')?.values).toEqual(['203.0.113.7']);
  });

  it('gives up waiting for INSYNC after syncTimeout with a retryable error', async () => {
    const { update, ctx } = setup(1000);
    const error = await actionFailure(
      update.execute(ctx, params({ value: '198.51.100.20', pollInterval: '5s', syncTimeout: '20s' })),
    );
    expect(error.code).toBe('DNS_NOT_PROPAGATED');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('route53 change /change/C000000000001 is still PENDING after 20 s');
  });

  it('quotes TXT values the way Route 53 stores them and compares them unquoted', async () => {
    const { fake, update, ctx } = setup();
    await update.execute(
      ctx,
      params({
        name: 'spf',
        type: 'TXT',
        value: 'v=spf1 include:new.example.net -all',
        expect: 'v=spf1 -all',
      }),
    );
    expect(fake.sets.get('spf.example.com. TXT')?.values).toEqual(['"v=spf1 include:new.example.net -all"']);
  });

  it('refuses alias and routing-policy records instead of guessing', async () => {
    const { fake, update, ctx } = setup();
    fake.put({
      name: 'alias.example.com.',
      type: 'A',
      ttl: 0,
      values: [],
      extra:
        '<AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>legacy-123.us-east-1.elb.amazonaws.com.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>',
    });
    fake.put({
      name: 'weighted.example.com.',
      type: 'A',
      ttl: 60,
      values: ['192.0.2.1'],
      extra: '<SetIdentifier>blue</SetIdentifier><Weight>100</Weight>',
    });
    const alias = await actionFailure(update.execute(ctx, params({ name: 'alias', value: '198.51.100.20' })));
    expect(alias.message).toBe(
      'route53: alias.example.com A is an alias to legacy-123.us-east-1.elb.amazonaws.com.: dns.update switches records with values only',
    );
    const weighted = await actionFailure(
      update.execute(ctx, params({ name: 'weighted', value: '198.51.100.20' })),
    );
    expect(weighted.message).toContain("uses a routing policy (set identifier 'blue')");
    expect(posts(fake)).toHaveLength(0);
  });

  it('lowers a TTL through Route 53, keeping the values', async () => {
    const { fake, lower, ctx } = setup(0);
    await lower.execute(
      ctx,
      dnsLowerTtlParams.parse({
        provider: 'route53',
        hostedZoneId: ZONE_ID,
        zone: 'example.com',
        name: 'www',
        ttl: 60,
      }),
    );
    expect(fake.sets.get('www.example.com. A')).toMatchObject({ ttl: 60, values: ['192.0.2.10'] });
  });

  it('takes the hosted zone and credentials from a connection and keeps the secret key out of errors', async () => {
    const { fake, clock } = setup();
    const secretAccessKey = 'verysecretAWSkey/EXAMPLE0123456789abcdef';
    let seen: unknown;
    const update = createDnsUpdateAction({
      route53: (config) => {
        seen = config.credentials;
        return fake.client(config);
      },
    });
    const ctx = testActionContext({
      clock,
      secrets: [secretAccessKey],
      connections: {
        aws: {
          kind: 'aws',
          url: undefined,
          options: { hostedZoneId: 'ZWRONG', accessKeyId: 'AKID', secretAccessKey },
        },
      },
    });
    const error = await actionFailure(
      update.execute(
        ctx,
        dnsUpdateParams.parse({
          provider: 'route53',
          connection: 'aws',
          zone: 'example.com',
          name: 'www',
          ttl: 60,
          value: '198.51.100.20',
        }),
      ),
    );
    expect(seen).toMatchObject({ accessKeyId: 'AKID', secretAccessKey });
    expect(error.code).toBe('DNS_PROVIDER_ERROR');
    expect(error.message).toBe(
      'route53: reading www.example.com A failed (NoSuchHostedZone): No hosted zone found with ID: ZWRONG',
    );
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain(secretAccessKey);
  });
});
