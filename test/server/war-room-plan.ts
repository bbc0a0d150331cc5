import type { NewRunEvent } from '../../src/core/run-event.js';
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
