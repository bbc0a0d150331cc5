import { describe, expect, it } from 'vitest';
import { assertSameDecision } from './same-decision.js';

const nothing = { events: [], starts: [], checks: [], wakeAtMs: 60_000 };

describe('a reused decision checked against deciding again', () => {
  it('passes when the two agree', () => {
    expect(() => assertSameDecision(nothing, { ...nothing }, 7)).not.toThrow();
  });

  it('fails naming both when deciding again would start a step, or wake at another time', () => {
    expect(() => assertSameDecision(nothing, { ...nothing, starts: ['verify'] }, 7)).toThrow(
      /^the decision reused at event #7 differs from deciding again: .*"starts":\[\].* against .*"starts":\["verify"\]/,
    );
    expect(() => assertSameDecision(nothing, { ...nothing, wakeAtMs: undefined }, 8)).toThrow(/#8/);
  });
});
