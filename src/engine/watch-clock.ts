import type { WatchClock } from '../core/go-live-decision.js';
import type { Plan } from '../core/plan.js';
import { forecastEndMs } from '../core/point-of-no-return.js';
import type { RunState } from '../core/run-state.js';
import { isDone } from '../core/run-state.js';
import type { Schedule } from '../core/schedule.js';
import { computeSchedule } from '../core/schedule.js';

const schedules = new WeakMap<Plan, Schedule>();

/**
 * The watch's view of time for a run now: the forecast end from the plan's schedule and what has happened so
 * far, the rollback's duration (its budgets) and the point of no return. Replaced by the live Monte Carlo
 * forecast once that exists.
 */
export function watchClock(plan: Plan, state: RunState, nowMs: number): WatchClock {
  const schedule = schedules.get(plan) ?? computeSchedule(plan);
  schedules.set(plan, schedule);
  let forecast: number | undefined;
  return {
    nowMs,
    // Only a plan with a window reads it, and it costs a pass over every task: computed on first read, so
    // the executor's loop does not pay it on every turn (that made a run's cost grow with the square of its size).
    get forecastEndMs(): number {
      if (forecast === undefined) {
        const tasks: Record<string, { started: boolean; done: boolean }> = {};
        for (const [id, s] of Object.entries(state.steps)) {
          tasks[id] = { started: s.firstStartedAtMs !== undefined, done: isDone(s) };
        }
        forecast = forecastEndMs(schedule, tasks, nowMs - state.goLiveMs);
      }
      return forecast;
    },
    rollbackMs: schedule.rollbackMs,
    ponrAtMs: plan.window ? state.goLiveMs + plan.window.endMs - schedule.rollbackMs : undefined,
  };
}
