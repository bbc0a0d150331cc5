import { beforeEach, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { FakeElbv2 } from '../../../test/support/aws-fake-elbv2.js';
import { createTrafficMaintenanceAction, trafficMaintenanceParams } from './traffic-maintenance-action.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
let fake: FakeElbv2;
const action = () => createTrafficMaintenanceAction({ elbv2Client: (config) => fake.client(config) });
const params = (extra: Record<string, unknown>) =>
  trafficMaintenanceParams.parse({ provider: 'alb', region: 'eu-west-1', listenerArn: LISTENER, ...extra });

beforeEach(() => {
  fake = new FakeElbv2();
  fake.listenerRules.set(LISTENER, [
    { arn: `${LISTENER}/api`, priority: '10', paths: ['/api/*'], forwardArn: 'arn:tg/api' },
  ]);
});

describe('traffic.maintenance on an AWS ALB (SDK boundary)', () => {
  it('creates a fixed-response 503 rule for on, and deletes it for off, each idempotent', async () => {
    const plan = await action().plan!(testActionContext(), params({ mode: 'on', priority: 1 }));
    expect(plan.changes).toEqual([
      { target: `alb listener ${LISTENER} priority 1`, from: 'no rule', to: 'fixed-response 503' },
    ]);
    const on = await action().execute(
      testActionContext(),
      params({ mode: 'on', priority: 1, response: { contentType: 'text/html', body: '<h1>Back soon</h1>' } }),
    );
    expect(on.output).toMatchObject({ changed: true, before: 'no rule', after: 'fixed-response 503' });
    const create = fake.calls.find((c) => c.action === 'CreateRule');
    expect(create?.fields).toMatchObject({
      ListenerArn: LISTENER,
      Priority: '1',
      'Conditions.member.1.Field': 'path-pattern',
      'Conditions.member.1.PathPatternConfig.Values.member.1': '/*',
      'Actions.member.1.Type': 'fixed-response',
      'Actions.member.1.FixedResponseConfig.StatusCode': '503',
      'Actions.member.1.FixedResponseConfig.ContentType': 'text/html',
      'Actions.member.1.FixedResponseConfig.MessageBody': '<h1>Back soon</h1>',
    });
    const again = await action().execute(testActionContext(), params({ mode: 'on', priority: 1 }));
    expect(again.summary).toContain('(already)');
    expect(fake.calls.filter((c) => c.action === 'CreateRule')).toHaveLength(1);
    const off = await action().execute(testActionContext(), params({ mode: 'off', priority: 1 }));
    expect(off.output).toMatchObject({ changed: true, after: 'no rule' });
    expect(fake.listenerRules.get(LISTENER)?.map((r) => r.priority)).toEqual(['10']);
    const offAgain = await action().execute(testActionContext(), params({ mode: 'off', priority: 1 }));
    expect(offAgain.summary).toContain('(already)');
  });

  it('never touches a routing rule that holds the chosen priority', async () => {
    const error = await action()
      .execute(testActionContext(), params({ mode: 'off', priority: 10 }))
      .then(
        () => undefined,
        (e: unknown) => e as TminusError,
      );
    expect(error).toBeInstanceOf(TminusError);
    expect(error?.message).toBe(
      `priority 10 of the listener holds a forward rule (${LISTENER}/api), not a maintenance rule`,
    );
    expect(fake.calls.some((c) => c.action === 'DeleteRule')).toBe(false);
  });

  it('restricts the page to given hosts, and validates its parameters', async () => {
    await action().execute(testActionContext(), params({ mode: 'on', hosts: ['shop.example.com'] }));
    expect(fake.listenerRules.get(LISTENER)?.find((r) => r.priority === '1')?.hosts).toEqual([
      'shop.example.com',
    ]);
    const r = trafficMaintenanceParams.safeParse({
      provider: 'alb',
      region: 'eu-west-1',
      listenerArn: LISTENER,
      mode: 'on',
      priority: 0,
      response: { status: 42 },
    });
    const messages = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    expect(messages).toEqual(['priority', 'response.status']);
  });
});
