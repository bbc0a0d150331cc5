import { describe, expect, it } from 'vitest';
import { ROLLBACK_VERIFY_ID } from '../../src/core/rollback/rollback-verify.js';
import { TminusError } from '../../src/core/tminus-error.js';
import { harness } from '../support/engine-harness.js';
import type { Call } from '../engine/test-actions.js';
import { testAction } from '../engine/test-actions.js';

/** A health check of the legacy side whose answer the test sets. */
function legacy() {
  const calls: Call[] = [];
  const state = { healthy: true };
  const action = testAction('legacy-health', true, calls, () => {
    if (!state.healthy) throw new TminusError('CHECK_FAILED', 'legacy answers 503');
    return { summary: 'legacy answers 200 in 12 ms' };
  });
  return { calls, state, action };
}

const plan = `version: 1
name: verify
roles:
  lead: { members: [alice] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, title: Flip, owner: lead, estimate: 10m }
rollback:
  verify: { action: legacy-health, with: {} }
  followUp:
    - { id: analysis, title: Post-rollback analysis, owner: lead, due: 24h }
  steps:
    - { id: redirect, title: Point traffic back, action: step, with: { ms: 60000 }, budget: 10m }
`;

describe('rollback.verify: the legacy side is checked after the last rollback step', () => {
  it('runs after the last step, is recorded as a step of the rollback, and only then ends the run', async () => {
    const l = legacy();
    const h = await harness(plan, { actions: [l.action, testAction('step', true, [])] });
    await h.act('alice', { kind: 'rollback', reason: 'errors' });
    expect(await h.outcome()).toBe('rolled-back');
    const types = (await h.events()).map((e) =>
      'stepId' in e.data ? `${e.data.type} ${e.data.stepId}` : e.data.type,
    );
    const tail = types.slice(types.indexOf('step.succeeded redirect'));
    expect(tail).toEqual([
      'step.succeeded redirect',
      `step.started ${ROLLBACK_VERIFY_ID}`,
      `step.succeeded ${ROLLBACK_VERIFY_ID}`,
      'followup.recorded',
      'run.ended',
    ]);
    expect(l.calls).toHaveLength(1);
    expect(h.state.steps[ROLLBACK_VERIFY_ID]?.summary).toBe('legacy answers 200 in 12 ms');
  });

  it('holds the run for a lead when the legacy side is not healthy; a retry that passes ends it', async () => {
    const l = legacy();
    l.state.healthy = false;
    const h = await harness(plan, { actions: [l.action, testAction('step', true, [])] });
    await h.act('alice', { kind: 'rollback', reason: 'errors' });
    await h.driveUntil(() => h.state.steps[ROLLBACK_VERIFY_ID]?.status === 'held');
    await h.advance(3_600_000);
    expect(h.state.status).toBe('running'); // not rolled back while the legacy side is unhealthy
    expect(h.state.steps[ROLLBACK_VERIFY_ID]?.error).toEqual({
      code: 'CHECK_FAILED',
      message: 'legacy answers 503',
    });
    await expect(h.act('alice', { kind: 'complete', stepId: ROLLBACK_VERIFY_ID })).resolves.toBeUndefined();
    // completing by hand is a person's word against the check: allowed, recorded with who did it
    expect(await h.outcome()).toBe('rolled-back');
    expect(h.state.steps[ROLLBACK_VERIFY_ID]).toMatchObject({ status: 'succeeded', by: 'alice' });
  });

  it('a failed verification retried by the lead runs the check again', async () => {
    const l = legacy();
    l.state.healthy = false;
    const h = await harness(plan, { actions: [l.action, testAction('step', true, [])] });
    await h.act('alice', { kind: 'rollback', reason: 'errors' });
    await h.driveUntil(() => h.state.steps[ROLLBACK_VERIFY_ID]?.status === 'held');
    l.state.healthy = true;
    await h.act('alice', { kind: 'retry', stepId: ROLLBACK_VERIFY_ID });
    expect(await h.outcome()).toBe('rolled-back');
    expect(l.calls).toHaveLength(2);
  });

  it('a crash while verifying re-runs the check (it only reads) and records it once', async () => {
    const calls: Call[] = [];
    const slow = testAction('legacy-health', true, calls); // sleeps 1 s on the run clock, then passes
    const h = await harness(plan, { actions: [slow, testAction('step', true, [])] });
    await h.act('alice', { kind: 'rollback', reason: 'errors' });
    await h.driveUntil(() => h.state.steps[ROLLBACK_VERIFY_ID]?.status === 'running');
    await h.crashAndResume();
    expect(await h.outcome()).toBe('rolled-back');
    const verify = (await h.events()).filter(
      (e) => 'stepId' in e.data && e.data.stepId === ROLLBACK_VERIFY_ID,
    );
    expect(verify.map((e) => e.data.type)).toEqual([
      'step.started',
      'step.interrupted',
      'step.started',
      'step.succeeded',
    ]);
    expect(calls).toHaveLength(2);
  });
});
