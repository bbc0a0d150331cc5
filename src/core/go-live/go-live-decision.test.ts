import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';
import type { Plan } from '../plan/plan.js';
import type { Actor, RunEvent, RunEventData } from '../run/run-event.js';
import { foldRun } from '../run/run-state.js';
import { foldWatch } from './watch-state.js';
import { watchDecisions, type WatchClock } from './go-live-decision.js';
import { ponrStatus } from '../schedule/point-of-no-return.js';
import { computeSchedule } from '../schedule/schedule.js';
import { rollbackBurn } from '../rollback/rollback-burn.js';
import { followUpTasks, successVerdict } from './go-live-success.js';
import { decideWatchCommand } from './watch-commands.js';

const M = 60_000;
const T0 = Date.UTC(2026, 11, 5, 2);

const planText = (rollback: string, extra = '') => `version: 1
name: golive
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  lead: { members: [alice] }
  ops: { members: [bob] }
connections:
  a: { kind: postgres, url: 'postgres://a@127.0.0.1/a' }
  b: { kind: postgres, url: 'postgres://b@127.0.0.1/b' }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, owner: ops, estimate: 10m, critical: true }
      - { id: compare, action: data.compare, with: { source: a, target: b, tables: [t], failOn: never }, estimate: 10m }
      - { id: smoke, owner: ops, estimate: 20m, after: [flip] }
monitors:
  - { id: errors, action: metrics.query, with: { url: 'http://127.0.0.1:1', query: up }, interval: 1m, failWhen: 'result > 0.02', failureLimit: 1 }
  - { id: shadow, action: metrics.query, with: { url: 'http://127.0.0.1:1', query: up }, interval: 1m, dryRun: true }
${extra}
rollback:
  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
    - { id: redirect, title: Redirect, owner: ops, budget: 10m }
    - { id: verify, title: Verify, owner: ops, budget: 15m }
${rollback}
`;

function load(text: string): Plan {
  const { plan, issues } = loadPlan(text);
  if (!plan) throw new Error(issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  return plan;
}

/** A journal being written by the test: events appended by hand, folded on demand. */
function journal(plan: Plan) {
  const events: RunEvent[] = [];
  const append = (atMs: number, data: RunEventData, actor: Actor = 'system') =>
    events.push({ runId: 'r', seq: events.length + 1, atMs, actor, data, prevHash: '', hash: '' });
  append(T0 - 10 * M, {
    type: 'run.started',
    planName: plan.name,
    planTitle: plan.title,
    planText: '',
    planPath: '/p.yaml',
    mode: 'rehearsal',
    goLiveMs: T0,
    dryRun: false,
    autoApprove: false,
    comms: 'off',
    speed: 1,
    rollbackSteps: plan.rollback.steps.map((s) => s.id),
  });
  const schedule = computeSchedule(plan);
  const view = {
    events,
    append,
    measure(atMs: number, monitorId: string, outcome: 'successful' | 'failed' | 'inconclusive' | 'error') {
      const n =
        events.filter((e) => e.data.type === 'monitor.measured' && e.data.monitorId === monitorId).length + 1;
      append(atMs, { type: 'monitor.measured', monitorId, n, raw: outcome, outcome, reason: outcome });
    },
    clock(nowMs: number): WatchClock {
      return {
        nowMs,
        forecastEndMs: schedule.expectedEndMs,
        rollbackMs: schedule.rollbackMs,
        ponrAtMs: T0 + (plan.window?.endMs ?? 0) - schedule.rollbackMs,
      };
    },
    /** Decides at `nowMs`, appends what was decided, and returns its types. */
    step(nowMs: number, clock?: WatchClock) {
      const d = watchDecisions(plan, foldRun(events), foldWatch(plan, events), clock ?? view.clock(nowMs));
      for (const e of d.events) append(nowMs, e.data, e.actor);
      return { types: d.events.map((e) => e.data.type), wakeAtMs: d.wakeAtMs, events: d.events };
    },
    get run() {
      return foldRun(events);
    },
    get watch() {
      return foldWatch(plan, events);
    },
  };
  return view;
}

describe('criteria and decisions', () => {
  it('auto mode: a failed monitor fires its criterion and starts the rollback at once, recorded as an auto decision', () => {
    const plan = load(
      planText('  auto: true\n  criteria:\n    - { id: error-rate, title: Errors, monitor: errors }'),
    );
    const j = journal(plan);
    j.measure(T0 + 1 * M, 'errors', 'failed');
    expect(j.step(T0 + 1 * M).types).toEqual([]); // failureLimit 1: one failure is tolerated
    j.measure(T0 + 2 * M, 'errors', 'failed');
    expect(j.step(T0 + 2 * M).types).toEqual(['criterion.fired']);
    expect(j.run.firedCriteria['error-rate']?.detail).toBe(
      "monitor 'errors' is failed (2 failed, 0 inconclusive, 0 errors in a row of 2; last: failed)",
    );
    expect(j.step(T0 + 2 * M).types).toEqual(['decision.made', 'rollback.started']);
    expect(j.watch.decisions['error-rate']).toMatchObject({
      decision: 'rollback',
      basis: 'auto',
      by: 'system',
    });
    expect(j.run.rollback?.criterionId).toBe('error-rate');
    expect(j.step(T0 + 3 * M).types).toEqual([]);
  });

  it('never fires on a dry-run monitor', () => {
    const plan = load(
      planText('  auto: true\n  criteria:\n    - { id: shadow-bad, title: Shadow, monitor: shadow }'),
    );
    const j = journal(plan);
    j.measure(T0 + M, 'shadow', 'failed');
    expect(j.watch.monitors.shadow?.phase).toBe('failed');
    expect(j.step(T0 + M).types).toEqual([]);
  });

  it('manual mode: asks with a deadline, and applies the default when nobody decided', () => {
    const plan = load(
      planText(
        '  decisionDeadline: 5m\n  default: rollback\n  criteria:\n    - { id: error-rate, title: E, monitor: errors }',
      ),
    );
    const j = journal(plan);
    j.measure(T0 + M, 'errors', 'failed');
    j.measure(T0 + 2 * M, 'errors', 'failed');
    j.step(T0 + 2 * M);
    const asked = j.step(T0 + 2 * M);
    expect(asked.types).toEqual(['decision.asked']);
    expect(asked.events[0]?.data).toMatchObject({
      severity: 'failed',
      deadlineAtMs: T0 + 7 * M,
      default: 'rollback',
    });
    expect(j.step(T0 + 6 * M)).toMatchObject({ types: [], wakeAtMs: T0 + 7 * M });
    expect(j.step(T0 + 7 * M).types).toEqual(['decision.made', 'rollback.started']);
    expect(j.watch.decisions['error-rate']).toMatchObject({ basis: 'deadline', decision: 'rollback' });
    expect(j.run.rollback?.reason).toContain(
      'nobody decided within the decision deadline (default: rollback)',
    );
  });

  it("applies a criterion's own default 'continue' at its own deadline, and the run goes on", () => {
    const plan = load(
      planText(
        '  decisionDeadline: 30m\n  criteria:\n    - { id: e, title: E, monitor: errors, decisionDeadline: 2m, default: continue }',
      ),
    );
    const j = journal(plan);
    j.measure(T0 + M, 'errors', 'failed');
    j.measure(T0 + 2 * M, 'errors', 'failed');
    j.step(T0 + 2 * M);
    j.step(T0 + 2 * M);
    expect(j.step(T0 + 4 * M).types).toEqual(['decision.made']);
    expect(j.watch.decisions.e).toMatchObject({ decision: 'continue', basis: 'deadline' });
    expect(j.run.rollback).toBeUndefined();
  });

  it('inconclusive asks a person even in auto mode; without a deadline it waits for them', () => {
    const plan = load(planText('  auto: true\n  criteria:\n    - { id: e, title: E, monitor: errors }'));
    const j = journal(plan);
    j.measure(T0 + M, 'errors', 'inconclusive');
    j.step(T0 + M);
    const asked = j.step(T0 + M);
    expect(asked.events[0]?.data).toMatchObject({ type: 'decision.asked', severity: 'inconclusive' });
    expect(j.step(T0 + 80 * M).types).toEqual([]);
    expect(j.step(T0 + 100 * M).types).toEqual(['ponr.passed']);
    expect(j.run.rollback).toBeUndefined();
  });

  it('a person decides: continue, or rollback with the reason recorded as who/when/why', () => {
    const plan = load(planText('  criteria:\n    - { id: e, title: E, monitor: errors }'));
    const j = journal(plan);
    j.measure(T0 + M, 'errors', 'failed');
    j.measure(T0 + 2 * M, 'errors', 'failed');
    j.step(T0 + 2 * M);
    j.step(T0 + 2 * M);
    const time = { nowMs: T0 + 3 * M, ponrAtMs: T0 + 90 * M };
    expect(() =>
      decideWatchCommand(
        plan,
        j.run,
        j.watch,
        'alice',
        { kind: 'decide', criterionId: 'e', decision: 'rollback' },
        time,
      ),
    ).toThrow('a decision needs a reason');
    expect(() =>
      decideWatchCommand(
        plan,
        j.run,
        j.watch,
        'bob',
        { kind: 'decide', criterionId: 'e', decision: 'rollback', reason: 'x' },
        time,
      ),
    ).toThrow(/bob/);
    const events = decideWatchCommand(
      plan,
      j.run,
      j.watch,
      'alice',
      { kind: 'decide', criterionId: 'e', decision: 'rollback', reason: 'checkout errors confirmed' },
      time,
    );
    for (const e of events) j.append(time.nowMs, e, 'alice');
    expect(j.watch.decisions.e).toMatchObject({
      by: 'alice',
      atMs: T0 + 3 * M,
      reason: 'checkout errors confirmed',
      basis: 'person',
    });
    expect(j.run.rollback).toMatchObject({ by: 'alice', criterionId: 'e' });
  });

  it('fires on a critical task failing, on data differences, and on a declaration', () => {
    const plan = load(
      planText(`  criteria:
    - { id: critical-down, title: Critical, when: task-failed }
    - { id: data-bad, title: Data, when: data-differences, task: compare }
    - { id: security, title: Security finding, when: manual }`),
    );
    const j = journal(plan);
    j.append(T0, { type: 'step.started', stepId: 'flip', attempt: 1 });
    j.append(T0 + M, {
      type: 'step.failed',
      stepId: 'flip',
      attempt: 1,
      error: { code: 'CHECK_FAILED', message: 'LB refused' },
    });
    j.append(T0, { type: 'step.started', stepId: 'compare', attempt: 1 });
    j.append(T0 + M, {
      type: 'step.succeeded',
      stepId: 'compare',
      attempt: 1,
      summary: '1 table differs',
      output: {
        tables: [
          { table: 'orders', status: 'differs' },
          { table: 'users', status: 'identical' },
        ],
      },
    });
    expect(() =>
      decideWatchCommand(
        plan,
        j.run,
        j.watch,
        'alice',
        { kind: 'declare', criterionId: 'data-bad', reason: 'x' },
        { nowMs: T0, ponrAtMs: undefined },
      ),
    ).toThrow("criterion 'data-bad' is judged by tminus (data-differences), not declared");
    for (const e of decideWatchCommand(
      plan,
      j.run,
      j.watch,
      'alice',
      { kind: 'declare', criterionId: 'security', reason: 'CVE in the new build' },
      { nowMs: T0 + M, ponrAtMs: undefined },
    )) {
      j.append(T0 + M, e, 'alice');
    }
    j.step(T0 + 2 * M);
    expect(j.run.firedCriteria).toMatchObject({
      'critical-down': { detail: "critical task 'flip' failed: LB refused" },
      'data-bad': { detail: "data comparison 'compare' found differences: orders" },
      security: { detail: 'declared by alice: CVE in the new build' },
    });
  });

  it('fires window-exceeded when the forecast end passes the window end, saying whether a rollback still fits', () => {
    const plan = load(
      planText('  auto: true\n  criteria:\n    - { id: late, title: Late, when: window-exceeded }'),
    );
    const j = journal(plan);
    const clock = { ...j.clock(T0 + 60 * M), forecastEndMs: 125 * M };
    expect(j.step(T0 + 60 * M, clock).types).toEqual(['criterion.fired']);
    expect(j.run.firedCriteria.late?.detail).toBe(
      "the forecast end T+2h5m is after the window's end T+2h; a rollback started now (30m) still fits",
    );
  });
});

describe('the point of no return', () => {
  const plan = load(planText('  ponrWarnings: [30m, 10m]'));
  const ponr = T0 + 120 * M - 30 * M; // window end − Σ budgets

  it('warns at each lead time, once, and passes', () => {
    expect(ponrStatus(plan, T0, 30 * M, [], T0)).toEqual({
      atMs: ponr,
      passed: false,
      warnLeadMs: undefined,
      nextAtMs: ponr - 30 * M,
    });
    expect(ponrStatus(plan, T0, 30 * M, [], ponr - 30 * M).warnLeadMs).toBe(30 * M);
    expect(ponrStatus(plan, T0, 30 * M, [30 * M], ponr - 20 * M)).toMatchObject({
      warnLeadMs: undefined,
      nextAtMs: ponr - 10 * M,
    });
    expect(ponrStatus(plan, T0, 30 * M, [30 * M], ponr - 10 * M).warnLeadMs).toBe(10 * M);
    expect(ponrStatus(plan, T0, 30 * M, [30 * M, 10 * M], ponr)).toMatchObject({
      passed: true,
      warnLeadMs: undefined,
    });
  });

  it('announces only the nearest warning when several fell due at once', () => {
    expect(ponrStatus(plan, T0, 30 * M, [], ponr - 5 * M).warnLeadMs).toBe(10 * M);
    expect(ponrStatus(plan, T0, 30 * M, [10 * M], ponr - 5 * M).warnLeadMs).toBeUndefined();
  });

  it('moves with T-0 (a rebaseline) and with the rollback budget', () => {
    expect(ponrStatus(plan, T0 + 60 * M, 30 * M, [], T0).atMs).toBe(ponr + 60 * M);
    expect(ponrStatus(plan, T0, 50 * M, [], T0).atMs).toBe(ponr - 20 * M);
  });

  it('after it, nothing rolls back by itself and a person needs an explicit override with a reason', () => {
    const p = load(
      planText(
        '  auto: true\n  decisionDeadline: 1m\n  criteria:\n    - { id: e, title: E, monitor: errors }',
      ),
    );
    const j = journal(p);
    j.measure(ponr + M, 'errors', 'failed');
    j.measure(ponr + 2 * M, 'errors', 'failed');
    j.step(ponr + 2 * M);
    expect(j.step(ponr + 2 * M).types).toEqual(['decision.asked']);
    expect(j.step(ponr + 20 * M).types).toEqual([]); // default rollback is not applied past the PONR
    const time = { nowMs: ponr + 21 * M, ponrAtMs: ponr };
    const cmd = {
      kind: 'decide' as const,
      criterionId: 'e',
      decision: 'rollback' as const,
      reason: 'data corruption',
    };
    expect(() => decideWatchCommand(p, j.run, j.watch, 'alice', cmd, time)).toThrow(
      /point of no return passed at T\+1h30m/,
    );
    const events = decideWatchCommand(p, j.run, j.watch, 'alice', { ...cmd, override: true }, time);
    expect(events[0]).toMatchObject({ type: 'decision.made', override: true, reason: 'data corruption' });
  });
});

describe('the rollback procedure and the end of the watch', () => {
  it('burns each step against its budget and flags the ones over it once', () => {
    const plan = load(planText(''));
    const j = journal(plan);
    j.append(T0 + 10 * M, { type: 'rollback.started', reason: 'x' }, 'alice');
    j.append(T0 + 10 * M, { type: 'step.waiting', stepId: 'declare' });
    j.append(T0 + 13 * M, { type: 'step.completed', stepId: 'declare' }, 'alice');
    j.append(T0 + 13 * M, { type: 'step.waiting', stepId: 'redirect' });
    const burn = rollbackBurn(plan, j.run, [], T0 + 25 * M);
    expect(burn.steps.map((s) => [s.id, s.usedMs / M, s.status, s.over])).toEqual([
      ['declare', 3, 'done', false],
      ['redirect', 12, 'running', true],
      ['verify', 0, 'pending', false],
    ]);
    expect(burn.budgetMs).toBe(30 * M);
    expect(burn.expectedEndAtMs).toBe(T0 + 25 * M + 15 * M);
    expect(burn.newlyOver.map((s) => s.id)).toEqual(['redirect']);
    expect(rollbackBurn(plan, j.run, ['redirect'], T0 + 25 * M).newlyOver).toEqual([]);
  });

  it('declares success on the monitors, or by a person with a reason, with the evidence', () => {
    const plan = load(planText('', '').replace('interval: 1m, failWhen', 'interval: 1m, count: 2, failWhen'));
    const j = journal(plan);
    const cmd = { kind: 'success' as const };
    const time = { nowMs: T0 + 5 * M, ponrAtMs: undefined };
    expect(() => decideWatchCommand(plan, j.run, j.watch, 'alice', cmd, time)).toThrow(
      'declaring success before the monitors agree (errors still measuring) needs a reason',
    );
    j.measure(T0 + M, 'errors', 'successful');
    j.measure(T0 + 2 * M, 'errors', 'failed');
    expect(successVerdict(plan, j.watch, T0)).toMatchObject({ ready: true, watching: [], failing: [] });
    const [event] = decideWatchCommand(plan, j.run, j.watch, 'alice', cmd, time);
    expect(event).toMatchObject({
      type: 'success.declared',
      basis: 'monitors',
      evidence: { errors: { phase: 'successful', measurements: 2, failed: 1 }, shadow: { dryRun: true } },
    });
  });

  it('lists the follow-up tasks with due times from the rollback completion', () => {
    const plan = load(
      planText('  followUp:\n    - { id: analysis, title: Post-rollback analysis, owner: lead, due: 24h }'),
    );
    expect(followUpTasks(plan, T0)).toEqual([
      { id: 'analysis', title: 'Post-rollback analysis', owner: 'lead', dueAtMs: T0 + 24 * 60 * M },
    ]);
  });
});
