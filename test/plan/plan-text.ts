import { loadPlan } from '../../src/core/plan/load-plan.js';

/** A small valid plan; tests append or replace lines to make one problem at a time. */
export const BASE = `version: 1
name: base
goLive: 2026-12-05T02:00:00Z
window: { start: T-4h, end: T+4h }
roles:
  lead: { members: [alice] }
  dba: { members: [carol] }
phases:
  - id: begin
    at: T-4h
    tasks:
      - id: stop-jobs
        owner: lead
        estimate: 10m
      - id: backup
        owner: dba
        action: shell
        with: { run: 'echo backup' }
        after: [stop-jobs]
        estimate: 30m
`;

/** The issues of a plan text as compact `line:col severity code message` strings. */
export function issuesOf(text: string): string[] {
  return loadPlan(text).issues.map(
    (i) =>
      `${i.position?.line}:${i.position?.col} ${i.severity} ${i.code} ${i.message}${i.hint ? ` | ${i.hint}` : ''}`,
  );
}
