import { describe, expect, it } from 'vitest';
import { ev, runStarted, stored } from '../../../test/support/run-events.js';
import { loadPlan } from '../plan/load-plan.js';
import type { RunEventData } from '../run/run-event.js';
import { buildRunReport } from './run-report.js';

const M = 60_000;
const T0 = 100 * M;
const { plan, issues } = loadPlan(`version: 1
name: shop
roles: { ops: { members: [bob, carol] } }
connections:
  a: { kind: postgres, url: 'postgres://a/x' }
  b: { kind: postgres, url: 'postgres://b/x' }
phases:
  - id: p
    at: T-30m
    tasks:
      - { id: gate, type: gate, voters: [ops], quorum: all }
      - { id: maint-on, owner: ops, action: traffic.maintenance, with: { provider: haproxy, socket: /s, backend: app, mode: 'on', page: m }, after: [gate], estimate: 1m }
      - { id: sync, owner: ops, action: data.sync-wait, with: { source: a, target: b }, after: [maint-on], estimate: 10m }
      - { id: shift, owner: ops, action: traffic.shift, with: { provider: haproxy, socket: /s, backend: app, from: l, to: n }, after: [sync], estimate: 2m }
      - { id: maint-off, owner: ops, action: traffic.maintenance, with: { provider: haproxy, socket: /s, backend: app, mode: 'off', page: m }, after: [shift], estimate: 1m }
`);

const e = (atMin: number, data: RunEventData, actor = 'system') => ev(data, T0 + atMin * M, actor);

const journal = stored([
  { ...runStarted({ goLiveMs: T0 }), atMs: T0 - 30 * M },
  e(-30, { type: 'step.waiting', stepId: 'gate' }),
  e(-29, { type: 'gate.voted', gateId: 'gate', vote: 'no-go', reason: 'backup not verified' }, 'bob'),
  e(-27, { type: 'gate.voted', gateId: 'gate', vote: 'go', reason: 'verified now' }, 'bob'),
  e(-26, { type: 'gate.voted', gateId: 'gate', vote: 'go' }, 'carol'),
  e(-26, { type: 'gate.decided', gateId: 'gate', outcome: 'go', basis: 'votes' }),
  e(-26, { type: 'step.started', stepId: 'maint-on', attempt: 1 }),
  e(-25, { type: 'step.succeeded', stepId: 'maint-on', attempt: 1, summary: 'maintenance on' }),
  e(-25, { type: 'step.started', stepId: 'sync', attempt: 1 }),
  e(-20, {
    type: 'step.failed',
    stepId: 'sync',
    attempt: 1,
    error: { code: 'DATA_SYNC_TIMEOUT', message: 'lag' },
  }),
  e(-18, { type: 'run.paused', reason: 'look at the lag' }, 'bob'),
  e(-12, { type: 'run.unpaused' }, 'bob'),
  e(-12, { type: 'step.retried', stepId: 'sync' }, 'bob'),
  e(-12, { type: 'step.started', stepId: 'sync', attempt: 2 }),
  e(-5, { type: 'step.succeeded', stepId: 'sync', attempt: 2, summary: 'fenced' }),
  e(-5, { type: 'step.started', stepId: 'shift', attempt: 1 }),
  e(-2, { type: 'step.succeeded', stepId: 'shift', attempt: 1, summary: 'shifted' }),
  e(-2, { type: 'step.started', stepId: 'maint-off', attempt: 1 }),
  e(-1, { type: 'step.succeeded', stepId: 'maint-off', attempt: 1, summary: 'maintenance off' }),
  e(0, { type: 'run.ended', outcome: 'completed', reason: 'every task is done' }),
]);

describe('buildRunReport', () => {
  it('loads its plan', () => expect(issues.filter((i) => i.severity === 'error')).toEqual([]));
  if (!plan) return;

  const report = buildRunReport({ plan, events: journal, nowMs: T0 });

  it('measures downtime from maintenance on to the later of the switch and maintenance off', () => {
    expect(report.impact).toMatchObject({
      startAtMs: T0 - 25 * M,
      endAtMs: T0 - M,
      downtimeMs: 24 * M,
      startedBy: 'maint-on',
      endedBy: 'maint-off',
    });
  });

  it('lists the milestones in time order', () => {
    expect(report.milestones.map((m) => m.kind)).toEqual([
      'run-started',
      'go-no-go',
      'maintenance-on',
      'final-sync',
      'traffic-switched',
      'maintenance-off',
      'go-live',
      'run-ended',
    ]);
  });

  it('keeps every vote, a changed one marked, with its reason', () => {
    const gate = report.decisions.find((d) => d.kind === 'gate')!;
    expect(gate.votes.map((v) => [v.by, v.vote, v.changed, v.reason])).toEqual([
      ['bob', 'no-go', false, 'backup not verified'],
      ['bob', 'go', true, 'verified now'],
      ['carol', 'go', false, undefined],
    ]);
  });

  it('says how each failure and pause was settled', () => {
    expect(report.incidents.map((i) => [i.kind, i.id, i.settled])).toEqual([
      ['held', 'sync', 'succeeded on attempt 2'],
      ['paused', 'run', 'resumed by bob'],
    ]);
    expect(report.summary.failures).toBe(1);
  });

  it('times each task from its first start and compares it with the plan', () => {
    const sync = report.timeline.tasks.find((t) => t.id === 'sync')!;
    expect(sync.actualMs).toBe(20 * M);
    expect(sync.plannedMs).toBe(10 * M);
    expect(sync.varianceMs).toBe(10 * M);
    expect(report.timeline.late.map((t) => t.id)).toContain('sync');
    expect(report.timeline.criticalPath.actual).toEqual(['gate', 'maint-on', 'sync', 'shift', 'maint-off']);
  });
});
