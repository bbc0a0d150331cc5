import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';
import type { Plan } from '../plan/plan.js';
import { computeLiveSchedule, windowVerdict } from './live-schedule.js';
import type { RunEventData } from '../run/run-event.js';
import { ev, runStarted, stored } from '../../../test/support/run-events.js';
import { foldRun } from '../run/run-state.js';
import { computeSchedule } from './schedule.js';

const M = 60_000;
const T0 = 1_000_000_000;

function planOf(text: string): Plan {
  const { plan, issues } = loadPlan(text);
  if (!plan) throw new Error(issues.map((i) => i.message).join('\n'));
  return plan;
}

/** A live run whose T-0 is T0; events at offsets (minutes) from T-0. */
const runOf = (events: [number, RunEventData][]) =>
  foldRun(
    stored([
      { ...runStarted({ mode: 'live', goLiveMs: T0, rollbackSteps: ['r1'] }), atMs: T0 - 60 * M },
      ...events.map(([min, data]) => ev(data, T0 + min * M)),
    ]),
  );

const started = (id: string): RunEventData => ({ type: 'step.started', stepId: id, attempt: 1 });
const succeeded = (id: string): RunEventData => ({
  type: 'step.succeeded',
  stepId: id,
  attempt: 1,
  summary: 'ok',
});

// a (10m) → b (10m); c (15m) in parallel; window ends T+40m; rollback needs 20m → point of no return T+20m.
const plan = planOf(`version: 1
name: p
window: { start: T-0, end: T+40m }
roles: { ops: { members: [x] } }
phases:
  - id: p1
    at: T-0
    tasks:
      - { id: a, owner: ops, action: shell, with: { command: 'true' }, estimate: 10m }
      - { id: b, owner: ops, action: shell, with: { command: 'true' }, estimate: 10m, after: [a] }
      - { id: c, owner: ops, action: shell, with: { command: 'true' }, estimate: 15m }
rollback:
  steps:
    - { id: r1, title: Back, owner: ops, budget: 20m }
`);

describe('computeLiveSchedule', () => {
  it('equals the planned schedule before anything happened', () => {
    const live = computeLiveSchedule(plan, runOf([]), T0 - 30 * M);
    const planned = computeSchedule(plan);
    expect(live.expectedEndMs).toBe(planned.expectedEndMs);
    expect(live.criticalPath).toEqual(planned.criticalPath);
    expect(live.tasks.map((t) => t.slackMs)).toEqual(planned.tasks.map((t) => t.slackMs));
    expect(live.late).toEqual([]);
    expect(live.pointOfNoReturnMs).toBe(20 * M);
    expect(live.pointOfNoReturnPassed).toBe(false);
  });

  it('uses real durations for done tasks and elapsed time for running ones, and moves the critical path', () => {
    // a took 14m; b has run 6m (4m of its estimate left); c finished on time at 15m.
    const state = runOf([
      [0, started('a')],
      [0, started('c')],
      [14, succeeded('a')],
      [14, started('b')],
      [15, succeeded('c')],
    ]);
    const live = computeLiveSchedule(plan, state, T0 + 20 * M);
    expect(live.nowMs).toBe(20 * M);
    expect(live.expectedEndMs).toBe(24 * M);
    expect(live.slipMs).toBe(4 * M);
    expect(live.criticalPath).toEqual(['b']);
    expect(live.late.map((t) => [t.id, t.lateMs])).toEqual([
      ['a', 4 * M],
      ['b', 4 * M],
    ]);
    const b = live.tasks.find((t) => t.id === 'b')!;
    expect([b.state, b.startMs, b.finishMs, b.slackMs]).toEqual(['in-progress', 14 * M, 24 * M, 0]);
    expect(live.tasks.find((t) => t.id === 'c')!.slackMs).toBeUndefined();
    expect(live.endAfterPointOfNoReturn).toBe(true);
    expect(live.pointOfNoReturnPassed).toBe(false);
  });

  it('never expects a running task to finish before now, and counts its overrun', () => {
    const state = runOf([
      [0, started('a')],
      [0, started('c')],
    ]);
    const live = computeLiveSchedule(plan, state, T0 + 25 * M);
    const a = live.tasks.find((t) => t.id === 'a')!;
    expect([a.finishMs, a.overrunMs]).toEqual([25 * M, 15 * M]);
    // b starts now and takes its 10m; c (15m) is overrun too and ends now at the earliest.
    expect(live.expectedEndMs).toBe(35 * M);
    expect(live.criticalPath).toEqual(['a', 'b']);
    expect(live.pointOfNoReturnPassed).toBe(true);
  });

  it('starts pending work no earlier than now when the run is behind', () => {
    const live = computeLiveSchedule(plan, runOf([]), T0 + 5 * M);
    expect(live.tasks.find((t) => t.id === 'a')!.startMs).toBe(5 * M);
    expect(live.expectedEndMs).toBe(25 * M);
    expect(live.late.map((t) => t.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('windowVerdict', () => {
  it('says when the window is expected to be exceeded, and when it has been', () => {
    const state = runOf([
      [0, started('a')],
      [0, started('c')],
    ]);
    expect(windowVerdict(plan, state, T0 + 10 * M)).toMatchObject({ exceeded: false });
    const expected = windowVerdict(plan, state, T0 + 35 * M)!;
    expect(expected.exceeded).toBe('expected');
    expect(expected.expectedEndMs).toBe(T0 + 45 * M);
    expect(expected.windowEndMs).toBe(T0 + 40 * M);
    expect(expected.detail).toBe(
      'the expected end T+45m is after the window ends (T+40m); critical path now: a → b',
    );
    expect(windowVerdict(plan, state, T0 + 41 * M)!.exceeded).toBe('passed');
    const noWindow = planOf(`version: 1
name: p
roles: { ops: { members: [x] } }
phases: [{ id: p1, at: T-0, tasks: [{ id: a, owner: ops, estimate: 10m }] }]
`);
    expect(windowVerdict(noWindow, state, T0)).toBeUndefined();
  });
});
