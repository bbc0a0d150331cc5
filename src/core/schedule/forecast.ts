import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { TaskDurationModel } from './duration-model.js';
import { compileModels } from './duration-model.js';
import type { LiveTaskState } from './live-schedule.js';
import { liveFacts } from './live-schedule.js';
import type { Plan } from '../plan/plan.js';
import type { RunState } from '../run/run-state.js';
import type { PassInput, ScheduleGraph } from './schedule-graph.js';
import { compileGraph, forwardPass, newPassTimes } from './schedule-graph.js';
import { computeSchedule, rollbackNeedsMs } from './schedule.js';

export interface ForecastOptions {
  readonly samples: number;
  readonly seed: number;
  /** During a run: start from what already happened, as of `nowMs` (epoch). */
  readonly live?: { readonly state: RunState; readonly nowMs: number };
  readonly graph?: ScheduleGraph;
  /**
   * The tasks the rollback exists for (forward changes a rollback step undoes): the point of no return must
   * come after the last of them is done. Empty or absent: the whole plan.
   */
  readonly guarded?: readonly string[];
}

/** How often a task lay on the critical path. */
export interface Criticality {
  readonly id: string;
  readonly share: number;
}

/** Times are milliseconds relative to T-0. */
export interface Forecast {
  readonly samples: number;
  readonly seed: number;
  /** The deterministic schedule's end from the plan's estimates. */
  readonly plannedEndMs: number;
  readonly p50EndMs: number;
  readonly p90EndMs: number;
  readonly meanEndMs: number;
  readonly windowEndMs: number | undefined;
  /** Share of samples that end inside the window; undefined without a window. */
  readonly chanceInsideWindow: number | undefined;
  readonly pointOfNoReturnMs: number | undefined;
  /** Share of samples in which the point of no return comes before the last guarded task is done. */
  readonly chancePointOfNoReturnFirst: number | undefined;
  /** The tasks that share is about (`options.guarded` found in the plan); empty: the whole plan. */
  readonly guarded: readonly string[];
  /** Tasks not yet over, most often critical first (only those critical in at least one sample). */
  readonly criticality: readonly Criticality[];
}

/** 32 random bits are plenty to draw a duration: 2^-32 of a 10-hour task is under a microsecond. */
const TWO_TO_MINUS_32 = 1 / 4294967296;

/** The value at quantile q (0..1] of sorted values: the nearest rank. */
export const quantile = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

/**
 * Monte Carlo over the task graph: each sample draws every task's duration from its model and runs the
 * same schedule pass as `tminus plan` (phases, `after:`, phase times, gates' deadlines), from the run's
 * facts when it is live. Seeded: the same seed, models and state give the same forecast.
 *
 * @example
 * const f = runForecast(plan, buildDurationModels(plan, history.observed), { samples: 10_000, seed: 1 });
 * f.p90EndMs
 */
export function runForecast(
  plan: Plan,
  models: readonly TaskDurationModel[],
  options: ForecastOptions,
): Forecast {
  const graph = options.graph ?? compileGraph(plan);
  const n = graph.tasks.length;
  const samples = Math.max(1, Math.floor(options.samples));
  const rng = xoroshiro128plus(options.seed | 0);
  const work = new Float64Array(n);
  const tasks = graph.tasks;
  const draw = compileModels(models);
  let input: PassInput = { work };
  let states: readonly LiveTaskState[] | undefined;
  if (options.live) {
    const facts = liveFacts(graph, options.live.state, options.live.nowMs);
    states = facts.states;
    input = { ...facts, work };
  }
  const times = newPassTimes(graph);
  const ends = new Float64Array(samples);
  const critical = new Float64Array(n);
  const rollbackMs = rollbackNeedsMs(plan);
  const pointOfNoReturnMs = plan.window === undefined ? undefined : plan.window.endMs - rollbackMs;
  const guarded = Int32Array.from(
    (options.guarded ?? []).map((id) => graph.indexOf.get(id) ?? -1).filter((i) => i >= 0),
  );
  let inside = 0;
  let pnrFirst = 0;
  let sum = 0;
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < n; i++) work[i] = draw(i, (rng.next() >>> 0) * TWO_TO_MINUS_32);
    forwardPass(graph, input, times);
    const end = times.endMs;
    ends[k] = end;
    sum += end;
    if (plan.window !== undefined && end <= plan.window.endMs) inside++;
    let guardedEnd = guarded.length === 0 ? end : -Infinity;
    for (let g = 0; g < guarded.length; g++) guardedEnd = Math.max(guardedEnd, times.finish[guarded[g]!]!);
    if (pointOfNoReturnMs !== undefined && guardedEnd > pointOfNoReturnMs) pnrFirst++;
    for (let i = times.lastTask; i >= 0; i = times.decider[i]!) critical[i]! += 1;
  }
  ends.sort();
  const over = (i: number) => states !== undefined && states[i] !== 'pending' && states[i] !== 'in-progress';
  const criticality: Criticality[] = [];
  for (let i = 0; i < n; i++) {
    if (critical[i]! > 0 && !over(i)) criticality.push({ id: tasks[i]!.id, share: critical[i]! / samples });
  }
  criticality.sort((a, b) => b.share - a.share);
  return {
    samples,
    seed: options.seed,
    plannedEndMs: computeSchedule(plan, graph).expectedEndMs,
    p50EndMs: quantile(ends, 0.5),
    p90EndMs: quantile(ends, 0.9),
    meanEndMs: sum / samples,
    windowEndMs: plan.window?.endMs,
    chanceInsideWindow: plan.window === undefined ? undefined : inside / samples,
    pointOfNoReturnMs,
    chancePointOfNoReturnFirst: pointOfNoReturnMs === undefined ? undefined : pnrFirst / samples,
    criticality,
    guarded: Array.from(guarded, (i) => tasks[i]!.id),
  };
}
