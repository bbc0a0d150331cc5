import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBind } from '../../../test/support/bind-server.js';
import type { BindServer } from '../../../test/support/bind-server.js';
import { labTsigKey } from '../../../test/support/dns-lab.js';
import { testActionContext, systemClock, actionFailure } from '../../../test/support/action-context.js';
import { dnsLowerTtlAction, dnsLowerTtlParams } from './dns-lower-ttl-action.js';

const ZONE = 'example.test';
const key = labTsigKey();
let bind: BindServer;
const nowMs = Date.now();
// Fixed "now" for the report; real sleeps, because the servers and timeouts are real.
const clock = { now: () => nowMs, sleep: systemClock.sleep };

function dig(name: string): { values: string[]; ttl: number } {
  const out = execFileSync(
    'dig',
    [`@${bind.address}`, '-p', String(bind.port), '+norec', '+noall', '+answer', name, 'A'],
    {
      encoding: 'utf8',
    },
  );
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
  return { values: rows.map((r) => r[4]!).sort(), ttl: Number(rows[0]![1]) };
}

const params = (extra: Record<string, unknown>) =>
  dnsLowerTtlParams.parse({ server: bind.server, zone: ZONE, tsig: key, ...extra });

beforeAll(async () => {
  bind = await startBind({
    zone: {
      name: ZONE,
      records: ['www 3600 IN A 192.0.2.10', 'www 3600 IN A 192.0.2.11', 'api 7200 IN A 192.0.2.30'],
    },
    tsigKey: key,
  });
}, 600_000);

afterAll(async () => {
  await bind?.stop();
});

describe('dns.lower-ttl against BIND 9', () => {
  it('lowers the TTL, keeps every value, and says when the old TTL has run out everywhere', async () => {
    const ctx = testActionContext({ clock, secrets: [key.secret] });
    const result = await dnsLowerTtlAction.execute(ctx, params({ name: 'www', ttl: 60, oldTtl: 3600 }));
    expect(dig('www.example.test')).toEqual({ values: ['192.0.2.10', '192.0.2.11'], ttl: 60 });
    expect(result.output).toMatchObject({
      changed: true,
      oldTtl: 3600,
      ttl: 60,
      safeToSwitchAtMs: nowMs + 3_600_000,
    });
    expect(result.summary).toContain('TTL 3600 → 60');
  });

  it('changes nothing when the TTL is already that low', async () => {
    const result = await dnsLowerTtlAction.execute(
      testActionContext({ clock }),
      params({ name: 'www', ttl: 60 }),
    );
    expect(result.output).toMatchObject({ changed: false, ttl: 60 });
    expect(result.summary).toContain('nothing to change');
  });

  it('plans from → to without changing, and warns when the real TTL is above the planned oldTtl', async () => {
    const plan = await dnsLowerTtlAction.plan!(
      testActionContext({ clock }),
      params({ name: 'api', ttl: 60 }),
    );
    expect(plan.changes).toEqual([
      {
        target: `api.example.test A on rfc2136 ${bind.server}`,
        from: 'TTL 7200',
        to: 'TTL 60',
        note: 'values stay 192.0.2.30',
      },
    ]);
    expect(dig('api.example.test').ttl).toBe(7200);
    const ctx = testActionContext({ clock });
    await dnsLowerTtlAction.execute(ctx, params({ name: 'api', ttl: 60, oldTtl: 3600 }));
    expect(ctx.logText()).toContain("had TTL 7200, above the plan's oldTtl 3600");
    expect(dig('api.example.test').ttl).toBe(60);
  });

  it('fails clearly when the record does not exist', async () => {
    const error = await actionFailure(
      dnsLowerTtlAction.execute(testActionContext({ clock }), params({ name: 'nope', ttl: 60 })),
    );
    expect(error.code).toBe('DNS_NO_ANSWER');
    expect(error.message).toBe(
      `nope.example.test A does not exist on rfc2136 ${bind.server}: no TTL to lower`,
    );
  });

  it('checks its parameters and has no inverse (raising the TTL is not a rollback step)', () => {
    const issues = dnsLowerTtlParams.safeParse({
      server: '127.0.0.1',
      zone: ZONE,
      name: 'www',
      ttl: 600,
      oldTtl: 300,
    }).error?.issues;
    expect(issues?.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'oldTtl: oldTtl 300 is not above the new ttl 600',
    ]);
    expect(
      dnsLowerTtlParams.safeParse({ server: '127.0.0.1', zone: ZONE, name: 'www', ttl: -5 }).success,
    ).toBe(false);
    expect(dnsLowerTtlAction.inverse).toBeUndefined();
  });
});
