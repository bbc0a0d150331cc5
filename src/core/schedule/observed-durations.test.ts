import { describe, expect, it } from 'vitest';
import { loadPlan } from '../plan/load-plan.js';
import { observedDurations } from './observed-durations.js';
import type { RunEventData } from '../run/run-event.js';
import { ev, runStarted, stored } from '../../../test/support/run-events.js';

const S = 1000;
const M = 60_000;
const { plan } = loadPlan(`version: 1
name: shop
roles: { ops: { members: [x] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: cmd, owner: ops, action: shell, with: { command: 'true' }, estimate: 1m }
      - { id: pause, owner: ops, action: wait, with: { duration: 20m }, estimate: 10m }
      - { id: people, owner: ops, estimate: 5m }
      - { id: clock, type: wait, owner: ops, until: T+1h }
`);

function journal(
  options: { speed: number; dryRun?: boolean; planName?: string },
  steps: [number, RunEventData, string?][],
) {
  return stored(
    [
      {
        ...runStarted({
          planName: options.planName ?? 'shop',
          speed: options.speed,
          dryRun: options.dryRun ?? false,
          goLiveMs: 0,
        }),
        atMs: 0,
      },
      ev({ type: 'executor.started', holder: 'h', realMs: 0, speed: options.speed }, 0),
      ...steps.map(([at, data, actor]) => ev(data, at, actor)),
    ],
    'r1',
  );
}
const start = (id: string): RunEventData => ({ type: 'step.started', stepId: id, attempt: 1 });
const ok = (id: string): RunEventData => ({ type: 'step.succeeded', stepId: id, attempt: 1, summary: 'ok' });

describe('observedDurations', () => {
  it("undoes a rehearsal's speed for commands and people, keeps run time for wait actions", () => {
    // At --speed 100: the command took 30 s of real time (50 minutes on the run clock).
    const events = journal({ speed: 100 }, [
      [0, start('cmd')],
      [0, start('pause')],
      [0, { type: 'step.waiting', stepId: 'people' }],
      [0, { type: 'step.waiting', stepId: 'clock' }],
      [20 * M + 100 * S, ok('pause')],
      [50 * M, ok('cmd')],
      [60 * M, { type: 'step.completed', stepId: 'people' }, 'x'],
      [60 * M, ok('clock')],
    ]);
    expect(observedDurations(plan!, events).map((o) => [o.taskId, o.durationMs])).toEqual([
      ['cmd', 30 * S],
      ['pause', 20 * M + S],
      ['people', 36 * S],
    ]);
  });

  it('integrates over executors that ran at different speeds (a resume with another --speed)', () => {
    const events = journal({ speed: 100 }, [
      [0, start('cmd')],
      [10 * M, { type: 'executor.started', holder: 'h2', realMs: 99, speed: 10 }],
      [20 * M, ok('cmd')],
    ]);
    // 10 minutes at ×100 (6 s) then 10 minutes at ×10 (60 s).
    expect(observedDurations(plan!, events)[0]!.durationMs).toBe(66 * S);
  });

  it('leaves out automatic completions, skipped and failed steps, dry-run actions and other plans', () => {
    const steps: [number, RunEventData, string?][] = [
      [0, start('cmd')],
      [0, start('pause')],
      [0, { type: 'step.waiting', stepId: 'people' }],
      [M, ok('cmd')],
      [M, ok('pause')],
      [
        M,
        { type: 'step.completed', stepId: 'people', reason: 'completed automatically (rehearsal)' },
        'auto',
      ],
    ];
    expect(observedDurations(plan!, journal({ speed: 1 }, steps)).map((o) => o.taskId)).toEqual([
      'cmd',
      'pause',
    ]);
    expect(observedDurations(plan!, journal({ speed: 1, dryRun: true }, steps))).toEqual([]);
    expect(observedDurations(plan!, journal({ speed: 1, planName: 'other' }, steps))).toEqual([]);
    const skipped = journal({ speed: 1 }, [[M, { type: 'step.skipped', stepId: 'cmd', reason: 'no' }]]);
    expect(observedDurations(plan!, skipped)).toEqual([]);
  });
});
