import { describe, expect, it } from 'vitest';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';
import { FakeRoute53 } from '../../../test/support/fake-route53.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { createDnsUpdateAction, dnsUpdateParams } from './dns-update-action.js';

const ZONE_ID = 'Z0123456789ABCDEFGHIJ';

describe('dns.update undo (rollback inverse: TASK)', () => {
  it('puts back the values and the TTL it found, guarded on what it wrote', async () => {
    const fake = new FakeRoute53(ZONE_ID, 0);
    fake.put({ name: 'www.example.com.', type: 'A', ttl: 300, values: ['192.0.2.10', '192.0.2.11'] });
    const action = createDnsUpdateAction({ route53: (c: Route53ClientConfig) => fake.client(c) });
    const ctx = testActionContext({
      clock: new ManualClock(Date.UTC(2026, 10, 21, 3), { autoAdvance: true }),
    });
    const p = dnsUpdateParams.parse({
      provider: 'route53',
      hostedZoneId: ZONE_ID,
      zone: 'example.com',
      name: 'www',
      ttl: 60,
      value: '198.51.100.20',
    });
    const result = await action.execute(ctx, p);
    // Without `expect` the plan-level inverse cannot exist; the recorded values make the undo possible.
    expect(action.inverse!(p)).toBeUndefined();
    const undo = action.undo!(p, result.output!);
    expect(undo).toMatchObject({
      action: 'dns.update',
      with: { values: ['192.0.2.10', '192.0.2.11'], ttl: 300, expect: '198.51.100.20' },
    });
    await action.execute(ctx, dnsUpdateParams.parse((undo as { with: object }).with));
    expect(fake.sets.get('www.example.com. A')).toMatchObject({
      ttl: 300,
      values: ['192.0.2.10', '192.0.2.11'],
    });
    const created = await action.execute(ctx, dnsUpdateParams.parse({ ...p, name: 'fresh', expect: [] }));
    expect(action.undo!(dnsUpdateParams.parse({ ...p, name: 'fresh', expect: [] }), created.output!)).toEqual(
      {
        nothing:
          'it created fresh.example.com A, which did not exist before: delete it by hand if it must go',
      },
    );
  });
});
