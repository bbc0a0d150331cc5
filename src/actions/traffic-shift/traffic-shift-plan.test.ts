import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shiftSteps, sideWeights } from './traffic-shift-plan.js';

describe('shift steps', () => {
  it('give p and 100 − p with one server per side, and drain legacy at the last step when asked', () => {
    expect(shiftSteps({ from: 'legacy', to: 'new', steps: [10, 100], drain: true }, 256)).toEqual([
      {
        label: '10 % to new',
        percent: 10,
        desired: { new: { weight: 10, state: 'ready' }, legacy: { weight: 90 } },
      },
      {
        label: '100 % to new',
        percent: 100,
        desired: { new: { weight: 100, state: 'ready' }, legacy: { weight: 0, state: 'drain' } },
      },
    ]);
  });

  it('keep the share of the to side at p % whatever the number of servers per side', () => {
    const [step] = shiftSteps({ from: ['a', 'b', 'c'], to: ['x'], steps: [25] }, 256);
    expect(step?.desired).toEqual({
      x: { weight: 75, state: 'ready' },
      a: { weight: 75 },
      b: { weight: 75 },
      c: { weight: 75 },
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (p, nFrom, nTo) => {
          const w = sideWeights(p, nFrom, nTo, 256);
          expect(w.to).toBeLessThanOrEqual(256);
          expect(w.from).toBeLessThanOrEqual(256);
          const share = (w.to * nTo) / (w.to * nTo + w.from * nFrom);
          expect(Math.abs(share * 100 - p)).toBeLessThan(1.5);
        },
      ),
    );
  });

  it('is one stage for explicit weights', () => {
    expect(shiftSteps({ weights: { a: 3, b: 0 } })).toEqual([
      { label: 'weights', percent: undefined, desired: { a: { weight: 3 }, b: { weight: 0 } } },
    ]);
  });
});
