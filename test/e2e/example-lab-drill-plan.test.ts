import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drillPlanText, LAB_SPEED, PLAN, RUN_GUARD_MS } from '../../examples/dns-haproxy/lab.js';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { parseDuration } from '../../src/core/plan/duration.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { computeSchedule } from '../../src/core/schedule/schedule.js';

const catalog = builtinActions().catalog(ACTION_TYPES);

/**
 * The lab's rollback drill calls `tminus rollback` once `tminus status` shows the switch checked: on a loaded
 * machine that takes seconds of real time, i.e. many minutes of run time at the lab's speed. Whenever it
 * comes before the lab's guard ends the run, it must find the run under way and before its point of no
 * return (after it, the rollback is refused and the run watches on until the guard kills it).
 */
describe("the lab's rollback drill plan (examples/dns-haproxy)", () => {
  const { plan, issues } = loadPlan(drillPlanText(readFileSync(PLAN, 'utf8')), { actions: catalog });
  // A rehearsal starts at its first phase; until the guard fires, its clock reaches at most this run time.
  const firstPhaseMs = plan?.phases[0]?.atMs ?? 0;
  const guardEndsMs = firstPhaseMs + RUN_GUARD_MS * LAB_SPEED;

  it('loads without errors', () => {
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(plan).toBeDefined();
  });

  it('watches the new side beyond the guard, so the rollback always finds the run under way', () => {
    const hypercare = plan!.tasks.find((t) => t.id === 'hypercare')!;
    const phase = plan!.phases.find((p) => p.id === hypercare.phaseId)!;
    const duration = parseDuration(String(hypercare.call?.with.duration));
    expect(phase.atMs + duration!).toBeGreaterThan(guardEndsMs);
  });

  it('passes its point of no return only after the guard, so a late rollback is never refused', () => {
    const ponrMs = computeSchedule(plan!).pointOfNoReturnMs;
    expect(ponrMs).toBeGreaterThan(guardEndsMs);
  });
});
