import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventData } from './run-event.js';
import { GENESIS_HASH } from './run-event.js';
import { foldRun, stepsReopened } from './run-state.js';
import { withSuccesses } from './tentative-state.js';
import { runStarted, stored } from '../../../test/support/run-events.js';

const e = (seq: number, data: RunEventData, atMs = 1000 + seq): RunEvent => ({
  runId: 'r',
  seq,
  atMs,
  actor: 'system',
  data,
  prevHash: GENESIS_HASH,
  hash: `h${seq}`,
});

const live = () =>
  foldRun([
    { ...stored([runStarted({ goLiveMs: 10_000 })])[0]!, atMs: 1001 },
    e(2, { type: 'step.started', stepId: 'a', attempt: 1 }),
    e(3, { type: 'step.started', stepId: 'b', attempt: 1 }),
    e(4, { type: 'step.failed', stepId: 'b', attempt: 1, error: { code: 'X', message: 'x' }, retryAtMs: 9 }),
    e(5, { type: 'step.started', stepId: 'b', attempt: 2 }),
  ]);

const succeeded = (seq: number, stepId: string): RunEvent =>
  e(seq, { type: 'step.succeeded', stepId, attempt: 1, summary: `${stepId} ok`, output: { n: seq } });

describe('a look at the state as successes would leave it', () => {
  it('shows the successes, then leaves the state exactly as it was, its step objects included', () => {
    const state = live();
    const before = structuredClone(state);
    const a = state.steps.a;
    const b = state.steps.b;
    const seen = withSuccesses(state, [succeeded(6, 'a'), succeeded(7, 'b'), succeeded(8, 'c')], (after) => ({
      a: { ...after.steps.a },
      b: after.steps.b?.status,
      c: after.steps.c?.status,
      lastSeq: after.lastSeq,
      lastAtMs: after.lastAtMs,
    }));
    expect(seen).toEqual({
      a: expect.objectContaining({ status: 'succeeded', summary: 'a ok', output: { n: 6 }, endedAtMs: 1006 }),
      b: 'succeeded',
      c: 'succeeded',
      lastSeq: 8,
      lastAtMs: 1008,
    });
    expect(state).toEqual(before);
    expect(state.steps.a).toBe(a);
    expect(state.steps.b).toBe(b);
    expect('c' in state.steps).toBe(false);
    expect(stepsReopened(state)).toBe(0);
  });

  it('puts the state back when the look throws', () => {
    const state = live();
    const before = structuredClone(state);
    expect(() =>
      withSuccesses(state, [succeeded(6, 'a')], () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(state).toEqual(before);
  });

  it('does not look when an event is not a success, and changes nothing', () => {
    const state = live();
    const before = structuredClone(state);
    let looked = false;
    const r = withSuccesses(
      state,
      [
        succeeded(6, 'a'),
        e(7, { type: 'step.failed', stepId: 'b', attempt: 2, error: { code: 'X', message: 'x' } }),
      ],
      () => (looked = true),
    );
    expect(r).toBeUndefined();
    expect(looked).toBe(false);
    expect(state).toEqual(before);
  });
});
