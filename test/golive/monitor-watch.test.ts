import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { foldWatch } from '../../src/core/go-live/watch-state.js';
import { decideWatchCommand } from '../../src/core/go-live/watch-commands.js';
import { T0, harness } from '../support/engine-harness.js';
import type { Call } from '../engine/test-actions.js';
import { testAction } from '../engine/test-actions.js';
import { TminusError } from '../../src/core/tminus-error.js';

const M = 60_000;

/** A probe action whose answer the test sets: a number, or an error code to throw. */
function probe() {
  const calls: Call[] = [];
  const state = { value: 0.001 as number, throws: undefined as string | undefined };
  const action = testAction('probe', true, calls, () => {
    if (state.throws) throw new TminusError(state.throws as 'CHECK_FAILED', `probe: ${state.throws}`);
    return { summary: `error rate ${state.value}`, value: state.value };
  });
  return { calls, state, action, work: testAction('t', false, []) };
}

const plan = (rollback: string, monitor = '') => `version: 1
name: watch
window: { start: T-1h, end: T+3h }
roles:
  lead: { members: [alice] }
  ops: { members: [bob] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, owner: ops, action: t, with: { ms: 60000 }, estimate: 1m }
monitors:
  - id: errors
    action: probe
    interval: 1m
    from: T-0
    until: T+30m
    failWhen: 'result > 0.02'
    failureLimit: 1
${monitor}
rollback:
${rollback}
  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
`;

const measured = (events: readonly RunEvent[]) =>
  events.flatMap((e) => (e.data.type === 'monitor.measured' ? [{ ...e.data, atMs: e.atMs }] : []));

describe('monitors inside the run', () => {
  it('auto mode: an error-rate breach after T-0 rolls the run back, every measurement an event', async () => {
    const p = probe();
    const h = await harness(
      plan('  auto: true\n  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]'),
      {
        actions: [p.action, p.work],
        autoApprove: true,
      },
    );
    await h.driveUntil(
      () => measured(h.executor.state ? [] : []).length === 0 && h.state.steps.flip?.status === 'succeeded',
    );
    await h.advance(3 * M);
    p.state.value = 0.5;
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('rolled-back');
    const ms = measured(await h.events());
    const firstFail = ms.findIndex((m) => m.outcome === 'failed');
    expect(ms.slice(0, firstFail).every((m) => m.outcome === 'successful' && m.value === 0.001)).toBe(true);
    expect(ms.slice(firstFail)).toHaveLength(2); // failureLimit 1: the second failure fails the monitor
    expect(ms.map((m) => m.n)).toEqual(ms.map((_, i) => i + 1));
    expect(ms[firstFail]).toMatchObject({ value: 0.5, reason: "failWhen 'result > 0.02' is true" });
    expect(ms.map((m) => (m.atMs - T0) / M)).toEqual(ms.map((_, i) => i)); // one per interval from T-0
    const types = (await h.events()).map((e) => e.data.type);
    expect(types.slice(types.indexOf('criterion.fired'))).toEqual(
      expect.arrayContaining(['criterion.fired', 'decision.made', 'rollback.started', 'run.ended']),
    );
    expect(h.state.rollback?.criterionId).toBe('error-rate');
  });

  it('manual mode: asks the lead, and applies the default at the deadline', async () => {
    const p = probe();
    const h = await harness(
      plan(
        '  decisionDeadline: 10m\n  default: rollback\n  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]',
      ),
      { actions: [p.action, p.work], autoApprove: true },
    );
    p.state.value = 0.5;
    await h.driveUntil(() => h.state.firedCriteria['error-rate'] !== undefined);
    const firedAt = h.state.firedCriteria['error-rate']!.atMs;
    await h.advance(9 * M);
    expect(h.state.rollback).toBeUndefined();
    const asked = (await h.events()).find((e) => e.data.type === 'decision.asked');
    expect(asked?.data).toMatchObject({ deadlineAtMs: firedAt + 10 * M, default: 'rollback' });
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('rolled-back');
    expect((h.state.rollback!.startedAtMs - firedAt) / M).toBe(10);
    expect(foldWatch(h.plan, await h.events()).decisions['error-rate']).toMatchObject({
      basis: 'deadline',
      decision: 'rollback',
    });
  });

  it('manual mode: the lead decides to continue and declares success; provider errors never pass nor fail', async () => {
    const p = probe();
    const h = await harness(plan('  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]'), {
      actions: [p.action, p.work],
    });
    const lead = async (cmd: Parameters<typeof decideWatchCommand>[4]) => {
      const events = await h.events();
      const run = h.state;
      const data = decideWatchCommand(h.plan, run, foldWatch(h.plan, events), 'alice', cmd, {
        nowMs: h.clock.now(),
        ponrAtMs: undefined,
      });
      const r = await h.store.append(
        'test',
        run.lastSeq,
        data.map((d) => ({ atMs: h.clock.now(), actor: 'alice', data: d })),
      );
      expect(r.ok).toBe(true);
      h.executor.poke();
      await h.flush();
    };
    p.state.throws = 'METRICS_UNREACHABLE';
    await h.advance(25_000); // T-0, +10 s, +20 s: three errors in a row (limit 4), retried after 10 s
    p.state.throws = undefined;
    await h.advance(3 * M);
    let ms = measured(await h.events());
    expect(ms.slice(0, 3).map((m) => m.outcome)).toEqual(['error', 'error', 'error']);
    expect(ms.slice(3).every((m) => m.outcome === 'successful')).toBe(true);
    p.state.value = 0.5;
    await h.driveUntil(() => h.state.firedCriteria['error-rate'] !== undefined);
    await h.advance(M);
    await expect(lead({ kind: 'success' })).rejects.toThrow(
      'criteria fired and await a decision: error-rate',
    );
    await lead({
      kind: 'decide',
      criterionId: 'error-rate',
      decision: 'continue',
      reason: 'a known batch job, not users',
    });
    expect(h.state.rollback).toBeUndefined();
    await h.advance(40 * M);
    expect(h.state.status).toBe('running'); // the monitor failed: the run waits for a person to end the watch
    await expect(lead({ kind: 'success' })).rejects.toThrow('needs a reason');
    await lead({ kind: 'success', reason: 'errors explained; orders flowing' });
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('completed');
    const success = (await h.events()).find((e) => e.data.type === 'success.declared');
    expect(success).toMatchObject({
      actor: 'alice',
      data: { basis: 'person', evidence: { errors: { phase: 'failed' } } },
    });
    ms = measured(await h.events());
    expect(ms.at(-1)!.atMs - T0).toBeLessThanOrEqual(30 * M); // nothing measured after until
  });

  it('ends the watch in success by itself when every monitor finished successful', async () => {
    const p = probe();
    const h = await harness(plan('  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]'), {
      actions: [p.action, p.work],
    });
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('completed');
    const success = (await h.events()).find((e) => e.data.type === 'success.declared');
    expect(success?.data).toMatchObject({
      basis: 'monitors',
      evidence: { errors: { phase: 'successful', measurements: 31 } },
    });
    expect((success!.atMs - T0) / M).toBe(30);
  });

  it('keeps measuring while the run is paused, and decides only once it is resumed', async () => {
    const p = probe();
    const h = await harness(
      plan('  auto: true\n  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]'),
      {
        actions: [p.action, p.work],
        autoApprove: true,
      },
    );
    await h.driveUntil(() => h.state.steps.flip?.status === 'succeeded');
    await h.act('alice', { kind: 'pause', reason: 'looking' });
    p.state.value = 0.5;
    await h.advance(5 * M);
    expect(measured(await h.events()).filter((m) => m.outcome === 'failed').length).toBe(2);
    expect(h.state.firedCriteria['error-rate']).toBeDefined();
    expect(h.state.rollback).toBeUndefined();
    await h.act('alice', { kind: 'unpause' });
    await h.driveUntil(() => h.state.status === 'ended');
    expect(h.state.outcome).toBe('rolled-back');
  });

  it('a crash and resume during the watch neither loses nor double-counts a measurement', async () => {
    const p = probe();
    const h = await harness(
      plan('  auto: true\n  criteria: [{ id: error-rate, title: Error rate, monitor: errors }]'),
      {
        actions: [p.action, p.work],
      },
    );
    await h.advance(4 * M + 30_000);
    const before = measured(await h.events());
    await h.crashAndResume();
    await h.advance(30_000);
    await h.crashAndResume();
    await h.advance(2 * M);
    const after = measured(await h.events());
    expect(after.map((m) => m.n)).toEqual(after.map((_, i) => i + 1));
    expect(after.length).toBe(before.length + 3); // at T+5m, T+6m and T+7m
    const w = foldWatch(h.plan, await h.events());
    expect(w.monitors.errors?.counters).toMatchObject({
      count: after.length,
      successful: after.length,
      failed: 0,
    });
    expect(new Set(after.map((m) => m.atMs)).size).toBe(after.length);
  });
});
