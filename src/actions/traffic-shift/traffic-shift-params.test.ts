import { describe, expect, it } from 'vitest';
import { trafficShiftParams } from './traffic-shift-action.js';

const issues = (value: unknown) => {
  const r = trafficShiftParams.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const base = { provider: 'haproxy', socket: '/run/haproxy/admin.sock', backend: 'app' };

describe('traffic.shift parameters', () => {
  it('accept weights, or from/to with increasing steps, a pause and a check', () => {
    expect(issues({ ...base, weights: { legacy: 0, new: 100 } })).toEqual([]);
    expect(
      issues({
        ...base,
        from: 'legacy',
        to: ['new-a', 'new-b'],
        steps: [10, 50, 100],
        pause: '30s',
        check: { url: 'http://x/' },
      }),
    ).toEqual([]);
  });

  it('reject every bad value with its path', () => {
    expect(issues({ ...base, weights: { new: 1 }, to: 'new' })).toContain(
      'weights: give either `weights`/`states` or `from`/`to`, not both',
    );
    expect(issues({ ...base, from: 'legacy' })).toContain(
      'to: give `weights: {server: weight}` or both `from` and `to`',
    );
    expect(issues({ ...base, from: 'a', to: 'b', steps: [50, 10] })).toContain(
      'steps.1: steps must increase',
    );
    expect(issues({ ...base, from: 'a', to: 'b', steps: [150] })[0]).toMatch(/^steps\.0: /);
    expect(issues({ ...base, from: 'a', to: 'a' })).toContain("to: 'a' is in both from and to");
    expect(issues({ ...base, weights: { new: -1 } })[0]).toMatch(/^weights\.new: /);
    expect(issues({ ...base, weights: { new: 1 }, pause: 'soon' })).toContain(
      'pause: expected a duration such as 30s, 5m or 1h30m',
    );
    expect(issues({ ...base, weights: { new: 1 }, wieghts: {} })[0]).toMatch(/wieghts/);
    expect(issues({ ...base, provider: 'f5', weights: { new: 1 } })[0]).toMatch(/^provider: /);
    expect(issues({ ...base, weights: { 'new; shutdown sessions server app/legacy': 1 } })[0]).toMatch(
      /^weights\.new; shutdown sessions server app\/legacy: .*letters, digits/,
    );
    expect(issues({ ...base, backend: 'app\nshow info', weights: { new: 1 } })[0]).toMatch(
      /^backend: a name/,
    );
    expect(issues({ ...base, from: 'legacy;x', to: 'new' })[0]).toMatch(/^from/);
    expect(issues({ ...base, weights: { new: 1 }, check: { url: 'http://x/', status: 42 } })[0]).toMatch(
      /^check\.status/,
    );
  });
});
