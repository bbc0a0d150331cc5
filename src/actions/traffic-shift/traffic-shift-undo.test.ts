import { describe, expect, it } from 'vitest';
import { testActionContext } from '../../../test/support/action-context.js';
import { FakeElbv2 } from '../../../test/support/aws-fake-elbv2.js';
import { createTrafficShiftAction, trafficShiftParams } from './traffic-shift-action.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
const LEGACY = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/73e2d6bc24d8a067';
const NEW = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/new/943f017f100becff';

describe('traffic.shift undo (rollback inverse: TASK)', () => {
  it('puts back the weights it found, not 100 % legacy, for the servers it changed only', async () => {
    const fake = new FakeElbv2();
    // A canary was already at 20 % before the cutover: the undo must restore 80/20, not 100/0.
    fake.listeners.set(LISTENER, {
      forward: [
        { arn: LEGACY, weight: 80 },
        { arn: NEW, weight: 20 },
      ],
    });
    const action = createTrafficShiftAction({ elbv2Client: (config) => fake.client(config) });
    const raw = {
      provider: 'alb',
      region: 'eu-west-1',
      listenerArn: LISTENER,
      targetGroups: { legacy: LEGACY, new: NEW },
      from: 'legacy',
      to: 'new',
      steps: [50, 100],
    };
    const p = trafficShiftParams.parse(raw);
    const result = await action.execute(testActionContext(), p);
    expect(fake.listeners.get(LISTENER)?.forward.map((g) => g.weight)).toEqual([0, 100]);
    const undo = action.undo!(p, result.output!);
    expect(undo).toEqual({
      action: 'traffic.shift',
      with: {
        provider: 'alb',
        region: 'eu-west-1',
        listenerArn: LISTENER,
        targetGroups: { legacy: LEGACY, new: NEW },
        weights: { legacy: 80, new: 20 },
      },
    });
    await action.execute(testActionContext(), trafficShiftParams.parse((undo as { with: object }).with));
    expect(fake.listeners.get(LISTENER)?.forward.map((g) => g.weight)).toEqual([80, 20]);
    // Already there: nothing it changed, and the declared inverse (shift back) is what a rollback gets.
    const again = await action.execute(
      testActionContext(),
      trafficShiftParams.parse({ ...raw, steps: [20] }),
    );
    expect(again.output).toMatchObject({ changed: false });
    expect(action.undo!(p, again.output!)).toMatchObject({ with: { from: 'new', to: 'legacy' } });
  });
});
