import type { TaskDurationModel } from '../core/schedule/duration-model.js';
import { runForecast } from '../core/schedule/forecast.js';
import { computeLiveSchedule } from '../core/schedule/live-schedule.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunState } from '../core/run/run-state.js';
import type { ForecastView } from '../core/run/run-view.js';
import type { ScheduleGraph } from '../core/schedule/schedule-graph.js';

/** Samples per dashboard forecast: enough for p50/p90 to the minute, cheap enough to redo on every change. */
export const DASHBOARD_SAMPLES = 1_000;

/**
 * The timeline's forecast at run time `nowMs`: the live schedule (real times so far, estimates for the rest)
 * and the Monte Carlo forecast from the same facts with durations learned from earlier runs. Pure; seeded,
 * so the same state gives the same lines on every screen.
 */
export function forecastView(
  plan: Plan,
  graph: ScheduleGraph,
  state: RunState,
  models: readonly TaskDurationModel[],
  learnedFrom: number,
  nowMs: number,
): ForecastView {
  const live = computeLiveSchedule(plan, state, nowMs, { graph });
  const f = runForecast(plan, models, { samples: DASHBOARD_SAMPLES, seed: 1, graph, live: { state, nowMs } });
  return {
    plannedEndMs: live.plannedEndMs,
    expectedEndMs: live.expectedEndMs,
    p50EndMs: f.p50EndMs,
    p90EndMs: f.p90EndMs,
    samples: f.samples,
    learnedFrom,
    windowEndMs: plan.window?.endMs ?? null,
    chanceInsideWindow: f.chanceInsideWindow ?? null,
    tasks: live.tasks.map((t) => ({ id: t.id, startMs: t.startMs, finishMs: t.finishMs })),
  };
}
