import { beforeEach, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { FakeElbv2 } from '../../../test/support/aws-fake-elbv2.js';
import { createTrafficShiftAction, trafficShiftParams } from './traffic-shift-action.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
const RULE =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const LEGACY = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/73e2d6bc24d8a067';
const NEW = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/new/943f017f100becff';
const OTHER = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/canary/1234567890abcdef';

let fake: FakeElbv2;
const action = () => createTrafficShiftAction({ elbv2Client: (config) => fake.client(config) });
const params = (extra: Record<string, unknown>) =>
  trafficShiftParams.parse({
    provider: 'alb',
    region: 'eu-west-1',
    targetGroups: { legacy: LEGACY, new: NEW },
    ...extra,
  });

async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected the call to fail');
}

beforeEach(() => {
  fake = new FakeElbv2();
  fake.listeners.set(LISTENER, {
    forward: [
      { arn: LEGACY, weight: 100 },
      { arn: OTHER, weight: 5 },
    ],
    leading: { type: 'authenticate-oidc', order: 1 },
    stickinessSeconds: 300,
  });
  fake.rules.set(RULE, { forward: [{ arn: LEGACY, weight: 1 }] });
});

describe('traffic.shift with AWS ALB weighted target groups (SDK boundary)', () => {
  it('plans from the listener`s forward weights', async () => {
    const plan = await action().plan!(
      testActionContext(),
      params({ listenerArn: LISTENER, from: 'legacy', to: 'new' }),
    );
    expect(plan.changes.map((c) => [c.target.split(' ').pop(), c.from, c.to])).toEqual([
      ['new', 'weight 0', 'weight 100'],
      ['legacy', 'weight 100', 'weight 0'],
    ]);
    expect(fake.calls.map((c) => c.action)).toEqual(['DescribeListeners']);
  });

  it('shifts in steps with ModifyListener, keeping other actions, other groups and stickiness', async () => {
    const result = await action().execute(
      testActionContext(),
      params({ listenerArn: LISTENER, from: 'legacy', to: 'new', steps: [10, 100] }),
    );
    const modifies = fake.calls.filter((c) => c.action === 'ModifyListener');
    expect(modifies).toHaveLength(2);
    expect(modifies[0]?.fields).toMatchObject({
      ListenerArn: LISTENER,
      'DefaultActions.member.1.Type': 'authenticate-oidc',
      'DefaultActions.member.2.Type': 'forward',
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.1.TargetGroupArn': LEGACY,
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.1.Weight': '90',
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.2.TargetGroupArn': OTHER,
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.2.Weight': '5',
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.3.TargetGroupArn': NEW,
      'DefaultActions.member.2.ForwardConfig.TargetGroups.member.3.Weight': '10',
      'DefaultActions.member.2.ForwardConfig.TargetGroupStickinessConfig.Enabled': 'true',
      'DefaultActions.member.2.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds': '300',
    });
    expect(modifies[0]?.fields['DefaultActions.member.2.TargetGroupArn']).toBeUndefined();
    expect(fake.listeners.get(LISTENER)).toEqual({
      forward: [
        { arn: LEGACY, weight: 0 },
        { arn: OTHER, weight: 5 },
        { arn: NEW, weight: 100 },
      ],
      leading: { type: 'authenticate-oidc', order: 1 },
      stickinessSeconds: 300,
    });
    expect(result.output).toMatchObject({
      changed: true,
      after: { legacy: { weight: 0 }, new: { weight: 100 } },
    });
  });

  it('sends nothing when the weights are already there', async () => {
    await action().execute(
      testActionContext(),
      params({ listenerArn: LISTENER, weights: { legacy: 100, new: 0 } }),
    );
    expect(fake.calls.map((c) => c.action)).toEqual(['DescribeListeners', 'DescribeListeners']);
  });

  it('shifts a rule with ModifyRule, turning a single-group forward into weighted groups', async () => {
    await action().execute(testActionContext(), params({ ruleArn: RULE, weights: { legacy: 50, new: 50 } }));
    expect(fake.rules.get(RULE)?.forward).toEqual([
      { arn: LEGACY, weight: 50 },
      { arn: NEW, weight: 50 },
    ]);
  });

  it('refuses drain (ALB has none) and weights above 999 before calling AWS', async () => {
    const drain = await failure(
      action().execute(
        testActionContext(),
        params({ listenerArn: LISTENER, from: 'legacy', to: 'new', drain: true }),
      ),
    );
    expect(drain.code).toBe('TRAFFIC_BAD_TARGET');
    expect(drain.message).toContain('no drain or maintenance state (legacy)');
    const big = await failure(
      action().execute(testActionContext(), params({ listenerArn: LISTENER, weights: { new: 1000 } })),
    );
    expect(big.message).toContain("weight 1000 for 'new' is outside 0–999");
    expect(fake.listeners.get(LISTENER)?.forward[0]).toEqual({ arn: LEGACY, weight: 100 });
  });

  it('reports AWS errors with the call and the AWS error code', async () => {
    const missing = await failure(
      action().execute(testActionContext(), params({ listenerArn: `${LISTENER}x`, weights: { new: 1 } })),
    );
    expect(missing.code).toBe('AWS_REQUEST_FAILED');
    expect(missing.message).toBe(
      'DescribeListeners failed: ListenerNotFoundException (HTTP 400): One or more listeners not found',
    );
    fake.failWith = {
      code: 'AccessDenied',
      message: 'User is not authorized to perform: elasticloadbalancing:DescribeListeners',
      status: 403,
    };
    const denied = await failure(
      action().execute(testActionContext(), params({ listenerArn: LISTENER, weights: { new: 1 } })),
    );
    expect(denied.message).toContain('(HTTP 403): User is not authorized');
  });

  it('needs exactly one of listenerArn and ruleArn', () => {
    const r = trafficShiftParams.safeParse({
      provider: 'alb',
      region: 'eu-west-1',
      targetGroups: { new: NEW },
      weights: { new: 1 },
    });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'listenerArn: give exactly one of `listenerArn` or `ruleArn`',
    ]);
  });
});
