import { describe, expect, it } from 'vitest';
import { fireCriterion } from '../../src/engine/fire-criterion.js';
import { T0, harness } from '../support/engine-harness.js';
import type { Call } from './test-actions.js';
import { testAction } from './test-actions.js';

const M = 60_000;
const roles = `
roles:
  lead: { members: [alice] }
  ops: { members: [bob, dave] }
  biz: { members: [frank] }`;

const gatePlan = (gate: string, extra = '') => `version: 1
name: gates
${roles}
${extra}
phases:
  - id: p
    at: T-1h
    tasks:
      - { id: g, type: gate, voters: [lead, ops, biz], ${gate} }
      - { id: after-gate, owner: ops, after: [g] }
`;

describe('gates', () => {
  it('passes with quorum all only when every voter says go, one vote per person', async () => {
    const h = await harness(gatePlan('quorum: all'));
    await h.driveUntil(() => h.state.steps.g?.status === 'waiting');
    await h.act('alice', { kind: 'vote', gateId: 'g', vote: 'go' });
    await expect(h.act('alice', { kind: 'vote', gateId: 'g', vote: 'go' })).rejects.toMatchObject({
      code: 'REFUSED',
      message: expect.stringContaining('alice already voted go') as string,
    });
    await h.act('bob', { kind: 'vote', gateId: 'g', vote: 'go' });
    await h.act('dave', { kind: 'vote', gateId: 'g', vote: 'go' });
    expect(h.state.gates.g?.outcome).toBeUndefined();
    await h.act('frank', { kind: 'vote', gateId: 'g', vote: 'go' });
    await h.driveUntil(() => h.state.steps['after-gate']?.status === 'waiting');
    expect(h.state.gates.g).toMatchObject({ outcome: 'go', basis: 'votes' });
  });

  it('ends the run cleanly as no-go on a no-go vote that makes the quorum unreachable, keeping the reason', async () => {
    const h = await harness(gatePlan('quorum: majority'));
    await h.driveUntil(() => h.state.steps.g?.status === 'waiting');
    await expect(h.act('bob', { kind: 'vote', gateId: 'g', vote: 'no-go' })).rejects.toMatchObject({
      code: 'USAGE',
    });
    // 4 voters, majority 3: one no-go leaves 3 possible go votes, two leave only 2.
    await h.act('bob', { kind: 'vote', gateId: 'g', vote: 'no-go', reason: 'backup not verified' });
    await h.driveUntil(() => true);
    expect(h.state.status).toBe('running');
    await h.act('frank', { kind: 'vote', gateId: 'g', vote: 'no-go', reason: 'business not ready' });
    expect(await h.outcome()).toBe('no-go');
    expect(h.state.endReason).toContain('bob: backup not verified');
    expect(h.state.steps['after-gate']).toBeUndefined();
  });

  it('takes its default outcome at the deadline', async () => {
    const h = await harness(gatePlan('quorum: 1, deadline: T-30m, onTimeout: go'));
    await h.driveUntil(() => h.state.steps['after-gate']?.status === 'waiting');
    expect(h.state.gates.g).toMatchObject({ outcome: 'go', basis: 'timeout' });
    expect((h.state.steps.g!.endedAtMs! - T0) / M).toBe(-30);
    const silent = await harness(gatePlan('quorum: 1, deadline: T-30m, onTimeout: no-go'));
    expect(await silent.outcome()).toBe('no-go');
  });

  it('closes voting at the deadline, even when the run was paused through it', async () => {
    const h = await harness(gatePlan('quorum: 1, deadline: T-30m, onTimeout: no-go'));
    await h.driveUntil(() => h.state.steps.g?.status === 'waiting');
    await h.act('alice', { kind: 'pause' });
    await h.advance(45 * M);
    expect(h.state.gates.g?.outcome).toBeUndefined();
    await expect(h.act('bob', { kind: 'vote', gateId: 'g', vote: 'go' })).rejects.toMatchObject({
      code: 'REFUSED',
      message: expect.stringContaining("voting on 'g' closed at its deadline T-30m") as string,
    });
    await h.act('alice', { kind: 'unpause' });
    expect(await h.outcome()).toBe('no-go');
    expect(h.state.gates.g?.basis).toBe('timeout');
  });

  it('does not pass while its requirements are incomplete, even with every vote in', async () => {
    const h = await harness(
      gatePlan(
        'quorum: 1, requires: [checklist.comms], deadline: T-30m, onTimeout: go',
        `checklist:
  comms: [{ id: informed, title: Users informed, owner: lead }]
  infra: [{ id: other, title: Something else, owner: ops }]`,
      ),
    );
    await h.driveUntil(() => h.state.steps.g?.status === 'waiting');
    await h.act('bob', { kind: 'vote', gateId: 'g', vote: 'go' });
    await h.advance(10 * M);
    expect(h.state.gates.g?.outcome).toBeUndefined();
    await expect(h.act('bob', { kind: 'sign', itemId: 'informed' })).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    await h.act('alice', { kind: 'sign', itemId: 'informed' });
    await h.driveUntil(() => h.state.gates.g?.outcome === 'go');
    expect(h.state.gates.g?.basis).toBe('votes');
  });

  it('turns a default go into no-go when the deadline passes with requirements incomplete', async () => {
    const h = await harness(
      gatePlan(
        'quorum: 1, requires: [checklist], deadline: T-30m, onTimeout: go',
        `checklist:
  comms: [{ id: informed, title: Users informed, owner: lead }]`,
      ),
    );
    expect(await h.outcome()).toBe('no-go');
    expect(h.state.endReason).toContain('requirements incomplete: informed');
  });
});

const rollbackPlan = (
  rollback: string,
  task = '{ id: a, owner: ops, action: t, with: { ms: 3600000 } }',
) => `version: 1
name: rb
${roles}
phases:
  - id: p
    at: T-0
    tasks:
      - ${task}
      - { id: b, owner: ops, after: [a] }
rollback:
${rollback}
`;
const steps = `  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
    - { id: revert, title: Revert, owner: ops, action: t, with: { ms: 420000 }, budget: 10m }
    - { id: confirm, title: Confirm, owner: biz, budget: 5m }`;

describe('rollback', () => {
  it('started by a lead with a reason: abandons forward work and runs the steps in order with budget burn', async () => {
    const calls: Call[] = [];
    const h = await harness(rollbackPlan(steps), { actions: [testAction('t', false, calls)] });
    await h.driveUntil(() => h.state.steps.a?.status === 'running');
    await expect(h.act('bob', { kind: 'rollback', reason: 'x' })).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
    });
    await expect(h.act('alice', { kind: 'rollback' })).rejects.toMatchObject({ code: 'USAGE' });
    await h.act('alice', { kind: 'rollback', reason: 'errors at 5 %' });
    expect(h.state.steps.a?.status).toBe('abandoned');
    await h.driveUntil(() => h.state.steps.declare?.status === 'waiting');
    expect(h.state.steps.revert).toBeUndefined();
    await h.act('alice', { kind: 'complete', stepId: 'declare' });
    await h.driveUntil(() => h.state.steps.confirm?.status === 'waiting');
    expect(h.state.steps.revert?.output).toMatchObject({ budgetMs: 10 * M, usedMs: 7 * M });
    await h.act('frank', { kind: 'complete', stepId: 'confirm' });
    expect(await h.outcome()).toBe('rolled-back');
    expect(calls.map((c) => c.stepId)).toEqual(['a', 'revert']);
    expect(h.state.steps.b).toBeUndefined();
  });

  it('starts by itself when a task-failed criterion fires and rollback.auto is on', async () => {
    const h = await harness(
      rollbackPlan(
        `  auto: true
  criteria: [{ id: a-broke, title: a failed, task: a }]
${steps}`,
        "{ id: a, owner: ops, action: t, with: { ms: 0, fail: 'NOPE!' } }",
      ),
      { actions: [testAction('t', false, [])], autoApprove: true },
    );
    expect(await h.outcome()).toBe('rolled-back');
    expect(h.state.rollback).toMatchObject({ by: 'system', criterionId: 'a-broke' });
  });

  it('starts after the decision deadline when a criterion fired through the seam and nobody decided', async () => {
    const h = await harness(
      rollbackPlan(
        `  decisionDeadline: 15m
  criteria: [{ id: errors, title: error rate, when: manual }]
${steps}`,
      ),
      { actions: [testAction('t', false, [])] },
    );
    await h.driveUntil(() => h.state.steps.a?.status === 'running');
    expect(await fireCriterion(h.store, 'test', 'errors', 'error rate 5 %', h.clock.now())).toBe(true);
    expect(await fireCriterion(h.store, 'test', 'errors', 'again', h.clock.now())).toBe(false);
    h.executor.poke();
    await h.advance(14 * M);
    expect(h.state.rollback).toBeUndefined();
    await h.advance(2 * M);
    expect(h.state.rollback?.reason).toContain('nobody decided within the decision deadline');
    expect((h.state.rollback!.startedAtMs - T0) / M).toBe(15);
  });

  it('fires the window-exceeded criterion when the window ends', async () => {
    const h = await harness(
      `version: 1
name: window
window: { start: T-1h, end: T+1h }
${roles}
phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops }] }
rollback:
  auto: true
  criteria: [{ id: late, title: too late, when: window-exceeded }]
  steps: [{ id: declare, title: Declare, owner: lead, budget: 5m }]
`,
    );
    await h.driveUntil(() => h.state.firedCriteria.late !== undefined);
    expect((h.state.firedCriteria.late!.atMs - T0) / M).toBe(60);
    // The point of no return (T+55m: window end − the 5m rollback) has passed: even in auto mode nothing
    // rolls back by itself any more; the lead is asked.
    await h.advance(M);
    expect(h.state.rollback).toBeUndefined();
    expect((await h.events()).map((e) => e.data.type)).toEqual(
      expect.arrayContaining(['ponr.passed', 'criterion.fired', 'decision.asked']),
    );
  });

  it('rolls back by itself on window-exceeded when the forecast end passes the window before the PONR', async () => {
    const h = await harness(
      `version: 1
name: window
window: { start: T-1h, end: T+1h }
${roles}
phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, estimate: 10m }, { id: b, owner: ops, estimate: 40m, after: [a] }] }
rollback:
  auto: true
  criteria: [{ id: late, title: too late, when: window-exceeded }]
  steps: [{ id: declare, title: Declare, owner: lead, budget: 5m }]
`,
    );
    // 'a' waits for a person; by T+20m (10 minutes late) the forecast end T+60m+ passes the window's end.
    await h.driveUntil(() => h.state.rollback !== undefined);
    const fired = h.state.firedCriteria.late!;
    expect((fired.atMs - T0) / M).toBeLessThan(55);
    expect(fired.detail).toMatch(
      /^the forecast end T\+1h\d*m? is after the window's end T\+1h; a rollback started now \(5m\) still fits$/,
    );
    expect(h.state.steps.a?.status).toBe('abandoned');
  });
});

describe('run control', () => {
  const plan = `version: 1
name: ctl
${roles}
phases:
  - { id: one, at: T-2h, tasks: [{ id: a, owner: ops, action: t, with: { ms: 60000 } }] }
  - { id: two, at: T+5h, tasks: [{ id: b, owner: ops, action: t, with: { ms: 60000 } }] }
`;

  it('starts nothing new while paused, and continues after resume', async () => {
    const calls: Call[] = [];
    const h = await harness(plan, {
      actions: [testAction('t', false, calls)],
      startOffsetMs: -3 * 3_600_000,
    });
    await h.act('alice', { kind: 'pause', reason: 'waiting for the vendor' });
    await h.advance(2 * 3_600_000);
    expect(calls).toHaveLength(0);
    await h.act('alice', { kind: 'unpause' });
    await h.driveUntil(() => calls.length === 1);
    expect((calls[0]!.at - T0) / M).toBe(-60);
  });

  it('shifts every time when T-0 is rebaselined and keeps both in the record', async () => {
    const calls: Call[] = [];
    const h = await harness(plan, {
      actions: [testAction('t', false, calls)],
      startOffsetMs: -3 * 3_600_000,
    });
    await h.act('alice', { kind: 'rebaseline', goLiveMs: T0 + 30 * M, reason: 'vendor late' });
    expect(h.state.goLiveHistory).toEqual([T0, T0 + 30 * M]);
    await h.driveUntil(() => calls.length === 1);
    expect((calls[0]!.at - T0) / M).toBe(-90);
  });

  it('lets a pulled phase start before its time, still after the phase before it', async () => {
    const calls: Call[] = [];
    const h = await harness(plan, { actions: [testAction('t', false, calls)] });
    await h.act('alice', { kind: 'pull', phaseId: 'two' });
    expect(await h.outcome()).toBe('completed');
    expect(calls.map((c) => [c.stepId, (c.at - T0) / M])).toEqual([
      ['a', -120],
      ['b', -119],
    ]);
  });

  it('aborts the run: running work is abandoned and the outcome is aborted', async () => {
    const calls: Call[] = [];
    const h = await harness(plan, { actions: [testAction('t', false, calls)] });
    await h.driveUntil(() => h.state.steps.a?.status === 'running');
    await h.act('alice', { kind: 'abort', reason: 'power cut in the data centre' });
    expect(await h.outcome()).toBe('aborted');
    expect(h.state.steps.a?.status).toBe('abandoned');
  });
});
