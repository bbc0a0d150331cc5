import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';
import { computeSchedule } from './schedule.js';

const H = 3_600_000;
const M = 60_000;

function scheduleOf(text: string) {
  const { plan, issues } = loadPlan(text);
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  const schedule = computeSchedule(plan);
  return { schedule, task: (id: string) => schedule.tasks.find((t) => t.id === id)! };
}

const head = `version: 1
name: s
window: { start: T-2h, end: T+2h }
roles: { ops: { members: [a] } }
`;

describe('computeSchedule', () => {
  it('starts a task at the later of its phase time and its dependencies, and finds the critical path', () => {
    const { schedule, task } = scheduleOf(`${head}phases:
  - id: p1
    at: T-2h
    tasks:
      - { id: a, owner: ops, estimate: 30m }
      - { id: b, owner: ops, estimate: 10m }
      - { id: c, owner: ops, estimate: 20m, after: [a] }
  - id: p2
    at: T-1h
    tasks:
      - { id: d, owner: ops, estimate: 15m }
`);
    expect([task('a').startMs, task('b').startMs, task('c').startMs]).toEqual([
      -2 * H,
      -2 * H,
      -2 * H + 30 * M,
    ]);
    expect(task('d').startMs).toBe(-H);
    expect(schedule.expectedEndMs).toBe(-H + 15 * M);
    // The phase time, not p1's work, decides when d starts: the path begins at d.
    expect(schedule.criticalPath).toEqual(['d']);
    // a → c may slip until p2 must start (T-1h): c finishes at T-1h10m, so 10 minutes of slack each.
    expect([task('a').slackMs, task('c').slackMs, task('b').slackMs]).toEqual([10 * M, 10 * M, 50 * M]);
    expect(task('d').critical).toBe(true);
  });

  it('follows the barrier into the previous phase when that phase runs late', () => {
    const { schedule, task } = scheduleOf(`${head}phases:
  - id: p1
    at: T-2h
    tasks:
      - { id: a, owner: ops, estimate: 1h30m }
      - { id: b, owner: ops, estimate: 10m }
  - id: p2
    at: T-1h
    tasks:
      - { id: d, owner: ops, estimate: 15m }
`);
    expect(task('d').startMs).toBe(-30 * M);
    expect(schedule.criticalPath).toEqual(['a', 'd']);
    expect(task('a').critical).toBe(true);
    expect(task('b').slackMs).toBe(80 * M);
  });

  it('computes the point of no return from the rollback budgets in their order', () => {
    const { schedule } = scheduleOf(`${head}phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, estimate: 1h }] }
rollback:
  steps:
    - { id: r1, title: One, owner: ops, budget: 10m }
    - { id: r2, title: Two, owner: ops, budget: 20m }
`);
    expect(schedule.rollbackMs).toBe(30 * M);
    expect(schedule.pointOfNoReturnMs).toBe(2 * H - 30 * M);
    expect(schedule.warnings).toEqual([]);
  });

  it('warns when the expected end passes the window or the point of no return', () => {
    const { schedule } = scheduleOf(`${head}phases:
  - { id: p, at: T-0, tasks: [{ id: a, owner: ops, estimate: 3h }, { id: b, owner: ops }] }
rollback:
  steps:
    - { id: r1, title: One, owner: ops, budget: 30m }
`);
    expect(schedule.warnings.map((w) => w.code)).toEqual([
      'default-estimate',
      'end-outside-window',
      'point-of-no-return-before-end',
    ]);
    expect(schedule.warnings[0]!.message).toBe('1 task(s) have no estimate and use the default: b');
    expect(schedule.warnings[1]!.message).toBe('the expected end T+3h is after the window ends (T+2h)');
  });

  it('plans a gate until its deadline and a wait until its time when they give no estimate', () => {
    const { task } = scheduleOf(`${head}phases:
  - id: p
    at: T-2h
    tasks:
      - { id: g, type: gate, voters: [ops], deadline: T-90m }
      - { id: w, type: wait, owner: ops, until: T-0, after: [g] }
`);
    expect([task('g').startMs, task('g').finishMs]).toEqual([-2 * H, -90 * M]);
    expect([task('w').startMs, task('w').finishMs]).toEqual([-90 * M, 0]);
    expect(task('g').estimateDefaulted).toBe(false);
  });
});
