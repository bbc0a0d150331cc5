import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';

const plan = (monitor: string, extra = '') => `version: 1
name: watch
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  ops: { members: [bob] }
connections:
  a: { kind: postgres, url: 'postgres://a@127.0.0.1/a' }
  b: { kind: postgres, url: 'postgres://b@127.0.0.1/b' }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: flip, owner: ops }
      - { id: compare, action: data.compare, with: { source: a, target: b, tables: [t] } }
monitors:
  - id: error-rate
    action: metrics.query
    with: { url: 'http://127.0.0.1:9090', query: 'up' }
    interval: 30s
${monitor}
${extra}
`;
const errors = (text: string) =>
  loadPlan(text)
    .issues.filter((i) => i.severity === 'error')
    .map((i) => ({ code: i.code, path: i.path.join('.'), message: i.message, line: i.position?.line }));

describe('validating the go-live watch', () => {
  it('accepts consecutiveSuccessLimit, failureLimit -1, dryRun and debounce', () => {
    const { plan: model, issues } = loadPlan(
      plan(`    count: 10
    failureLimit: -1
    consecutiveSuccessLimit: 3
    dryRun: true
    debounce: { failureThreshold: 3, recoveryThreshold: 2 }`),
    );
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(model?.monitors[0]).toMatchObject({
      failureLimit: -1,
      consecutiveSuccessLimit: 3,
      dryRun: true,
      debounce: { failureThreshold: 3, recoveryThreshold: 2 },
    });
  });

  it('refuses failureLimit below -1, naming the value', () => {
    expect(errors(plan('    failureLimit: -2'))[0]?.message).toMatch(/-1 to never fail/);
  });

  it('refuses a count that leaves a monitor unable to fail, with its position', () => {
    expect(errors(plan('    count: 2\n    failureLimit: 2'))).toEqual([
      {
        code: 'monitor-cannot-fail',
        path: 'monitors.0.count',
        message:
          "monitor 'error-rate' can never fail: count 2 allows at most 2 failed measurement(s) and failureLimit 2 tolerates that many",
        line: 21,
      },
    ]);
    expect(errors(plan('    count: 3\n    failureLimit: 2'))).toEqual([]);
    expect(errors(plan('    count: 1\n    failureLimit: -1'))).toEqual([]);
  });

  it('refuses a count too small for the failures tolerated plus the consecutive successes', () => {
    const [issue] = errors(plan('    count: 4\n    failureLimit: 2\n    consecutiveSuccessLimit: 3'));
    expect(issue).toMatchObject({ code: 'monitor-cannot-succeed', path: 'monitors.0.count' });
    expect(issue?.message).toContain('needs 5');
    expect(errors(plan('    count: 5\n    failureLimit: 2\n    consecutiveSuccessLimit: 3'))).toEqual([]);
    expect(
      errors(plan('    count: 2\n    failureLimit: -1\n    consecutiveSuccessLimit: 3'))[0]?.message,
    ).toBe("monitor 'error-rate' has count 2, fewer than the 3 consecutive successes it needs to succeed");
  });

  it('refuses a count that leaves a monitor unable to be inconclusive', () => {
    expect(errors(plan('    count: 3\n    inconclusiveLimit: 3'))).toMatchObject([
      { code: 'monitor-never-inconclusive', path: 'monitors.0.count' },
    ]);
  });

  it('checks criteria: critical tasks, data-differences on a data.compare task, dry-run monitors', () => {
    const criteria = (c: string) => plan('', `rollback:\n  criteria:\n${c}`);
    expect(errors(criteria('    - { id: c, title: C, when: task-failed }'))[0]).toMatchObject({
      code: 'criterion-without-task',
      message: "criterion 'c' fires on a failed task but names none, and no task is marked critical",
    });
    expect(
      errors(
        criteria('    - { id: c, title: C, when: task-failed }').replace(
          '{ id: flip, owner: ops }',
          '{ id: flip, owner: ops, critical: true }',
        ),
      ),
    ).toEqual([]);
    expect(
      errors(criteria('    - { id: c, title: C, when: data-differences, task: flip }'))[0],
    ).toMatchObject({
      code: 'criterion-task-not-compare',
    });
    expect(errors(criteria('    - { id: c, title: C, when: data-differences, task: compare }'))).toEqual([]);
    const dry = loadPlan(
      plan('    dryRun: true', 'rollback:\n  criteria:\n    - { id: c, title: C, monitor: error-rate }'),
    ).issues;
    expect(dry.find((i) => i.code === 'criterion-on-dry-run-monitor')?.severity).toBe('warning');
  });

  it('reads decision defaults, PONR warnings, the legacy verification and follow-up tasks', () => {
    const { plan: model, issues } = loadPlan(
      plan(
        '',
        `rollback:
  decisionDeadline: 5m
  default: continue
  ponrWarnings: [10m, 30m]
  verify: { action: http.check, with: { url: 'http://legacy.example/health' } }
  followUp:
    - { id: analysis, title: Post-rollback analysis, owner: ops, due: 24h }
  criteria:
    - { id: c, title: C, monitor: error-rate, decisionDeadline: 2m, default: rollback }`,
      ),
    );
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(model?.rollback).toMatchObject({
      decisionDeadlineMs: 300_000,
      default: 'continue',
      ponrWarningsMs: [1_800_000, 600_000],
      verify: { action: 'http.check' },
      followUp: [{ id: 'analysis', owner: 'ops', dueMs: 86_400_000 }],
      criteria: [{ decisionDeadlineMs: 120_000, default: 'rollback' }],
    });
    expect(errors(plan('', 'rollback:\n  default: maybe'))[0]).toMatchObject({ path: 'rollback.default' });
    expect(
      errors(plan('', 'rollback:\n  followUp:\n    - { id: a, title: A, owner: nobody }')).map((i) => i.path),
    ).toEqual(['rollback.followUp.0.owner']);
  });
});
