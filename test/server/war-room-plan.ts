import type { NewRunEvent } from '../../src/core/run/run-event.js';
import { runStarted } from '../support/run-events.js';

/** A small real plan for the war-room tests: a gate with a deadline, manual tasks with owners, a rollback. */
export const WAR_ROOM_PLAN = `
version: 1
name: war-room
title: War room test
window: { start: T-1h, end: T+2h }
roles:
  lead: { title: Migration lead, members: [alice] }
  tech: { title: Technical lead, members: [bob, dave] }
  dba: { title: DBA, members: [carol] }
  business: { title: Business owner, members: [frank] }
checklist:
  communication:
    - { id: users-informed, title: Users informed, owner: lead }
phases:
  - id: decide
    at: T-30m
    tasks:
      - id: go-no-go
        type: gate
        title: Go / no-go
        voters: [lead, tech]
        quorum: all
        deadline: T-10m
        onTimeout: no-go
  - id: move
    at: T-0
    tasks:
      - { id: stop-jobs, title: Stop background jobs, owner: tech, estimate: 10m }
      - { id: backup, title: Final backup, owner: dba, estimate: 20m, after: [stop-jobs] }
      - { id: switch, title: Switch traffic, owner: tech, estimate: 5m, after: [backup] }
rollback:
  steps:
    - { id: switch-back, title: Switch traffic back, owner: tech, budget: 10m }
`;

/**
 * The first events of a run of WAR_ROOM_PLAN whose tasks wait for people. Live mode: the run clock is the
 * wall clock, so a gate deadline in the past is really past.
 */
export function warRoomRun(goLiveMs: number, mode: 'live' | 'rehearsal' = 'live'): NewRunEvent[] {
  const at = goLiveMs - 30 * 60_000;
  const start = runStarted({
    planName: 'war-room',
    planTitle: 'War room test',
    planText: WAR_ROOM_PLAN,
    mode,
    goLiveMs,
    rollbackSteps: ['switch-back'],
  });
  return [
    { ...start, atMs: at },
    { atMs: at, actor: 'system', data: { type: 'step.waiting', stepId: 'go-no-go' } },
    { atMs: at, actor: 'system', data: { type: 'step.waiting', stepId: 'stop-jobs' } },
  ];
}

/**
 * A go-live plan for the war-room watch tests: a monitor with a fail threshold, a manual criterion, a monitor
 * criterion, and a window whose point of no return is T+2h − 10m.
 */
export const GO_LIVE_PLAN = `
version: 1
name: war-room-go-live
title: War room go-live
window: { start: T-1h, end: T+2h }
roles:
  lead: { title: Migration lead, members: [alice] }
  ops: { title: Operations, members: [bob] }
  business: { title: Business owner, members: [frank] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: switch-traffic, title: Switch traffic, owner: ops, estimate: 10m }
      - { id: smoke, title: Smoke test, owner: ops, estimate: 20m, after: [switch-traffic] }
monitors:
  - id: error-rate
    title: Error rate
    action: http.check
    with: { url: 'http://127.0.0.1:9/health' }
    interval: 1m
    failWhen: 'result > 0.05'
    failureLimit: 3
rollback:
  auto: false
  criteria:
    - { id: errors, title: Error rate above 5 %, monitor: error-rate }
    - { id: security, title: Security finding, when: manual }
  steps:
    - { id: switch-back, title: Switch traffic back, owner: ops, budget: 10m }
`;

/** The first events of a live run of GO_LIVE_PLAN (no executor: people and the test append the rest). */
export function goLiveRun(goLiveMs: number, startedAtMs = goLiveMs - 30 * 60_000): NewRunEvent[] {
  const start = runStarted({
    planName: 'war-room-go-live',
    planTitle: 'War room go-live',
    planText: GO_LIVE_PLAN,
    mode: 'live',
    goLiveMs,
    rollbackSteps: ['switch-back'],
  });
  return [
    { ...start, atMs: startedAtMs },
    { atMs: startedAtMs, actor: 'system', data: { type: 'step.waiting', stepId: 'switch-traffic' } },
  ];
}

/** A `monitor.measured` event of GO_LIVE_PLAN's error-rate monitor, judged against `result > 0.05`. */
export function errorRateMeasured(n: number, value: number, atMs: number): NewRunEvent {
  const outcome = value > 0.05 ? 'failed' : 'successful';
  return {
    atMs,
    actor: 'system',
    data: {
      type: 'monitor.measured',
      monitorId: 'error-rate',
      n,
      raw: outcome,
      outcome,
      reason: value > 0.05 ? "failWhen 'result > 0.05' is true" : "failWhen 'result > 0.05' is false",
      value,
    },
  };
}
