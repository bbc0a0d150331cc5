import type { TaskDurationModel } from '../core/schedule/duration-model.js';
import { buildDurationModels } from '../core/schedule/duration-model.js';
import { runForecast } from '../core/schedule/forecast.js';
import type { WatchClock } from '../core/go-live/go-live-decision.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunState } from '../core/run/run-state.js';
import type { ScheduleGraph } from '../core/schedule/schedule-graph.js';
import { compileGraph } from '../core/schedule/schedule-graph.js';
import { computeSchedule, rollbackNeedsMs } from '../core/schedule/schedule.js';

/** Monte Carlo samples per watch forecast: enough for a stable median, cheap enough to redo on every change. */
export const WATCH_FORECAST_SAMPLES = 400;
/** The forecast is redone when the journal moved, or this much run time after the last one. */
const REFRESH_MS = 5_000;
/** The same seed every time: the same journal and time give the same decision (a resumed executor agrees). */
const SEED = 1;

/**
 * The watch's view of time for a run: the forecast end from the live forecast (`runForecast` from the run's
 * facts, with task durations learned from earlier runs of the plan when there are enough, else the plan's
 * estimates), the rollback's duration (its budgets) and the point of no return. The forecast end is the
 * median (P50) end: `window-exceeded` fires once the run is more likely than not to finish after the window.
 */
export class WatchClockSource {
  readonly #plan: Plan;
  /**
   * Made on first use, like the planned end: only a plan judged on its window (a `window-exceeded` criterion
   * and a window) reads the forecast, and compiling the graph of a 10,000-task plan costs tens of
   * milliseconds (most of it the optimizing compiler's, on another thread, while the run starts).
   */
  #graph: ScheduleGraph | undefined;
  /** The plan's estimates until `learn` (made on first use, like the graph). */
  #models: readonly TaskDurationModel[] | undefined;
  /** Keyed by the head (seq and hash): a look-ahead's state shares a seq with a journal written otherwise. */
  #cache: { seq: number; hash: string; atMs: number; endMs: number } | undefined;
  readonly #judged: boolean;
  #plannedEndMs: number | undefined;

  constructor(plan: Plan, models?: readonly TaskDurationModel[]) {
    this.#plan = plan;
    this.#models = models;
    this.#judged =
      plan.window !== undefined && plan.rollback.criteria.some((c) => c.when === 'window-exceeded');
  }

  #compiled(): ScheduleGraph {
    return (this.#graph ??= compileGraph(this.#plan));
  }

  /** The plan's own expected end (no forecast), for a plan not judged on its window. */
  #planned(): number {
    return (this.#plannedEndMs ??= computeSchedule(this.#plan, this.#compiled()).expectedEndMs);
  }

  /** Replaces the duration models (once the history of earlier runs is read). */
  learn(models: readonly TaskDurationModel[]): void {
    this.#models = models;
    this.#cache = undefined;
  }

  /** The median forecast end, relative to T-0, for the run as it is at `nowMs`. */
  forecastEndMs(state: RunState, nowMs: number): number {
    // Only `window-exceeded` reads it: a plan without one does not pay for the Monte Carlo.
    if (!this.#judged) return this.#planned();
    const c = this.#cache;
    if (
      c &&
      c.seq === state.lastSeq &&
      c.hash === state.lastHash &&
      nowMs >= c.atMs &&
      nowMs - c.atMs < REFRESH_MS
    ) {
      // Between refreshes the end moves at most as fast as the clock (nothing over can end later).
      return Math.max(c.endMs, nowMs - state.goLiveMs);
    }
    this.#models ??= buildDurationModels(this.#plan, []);
    const f = runForecast(this.#plan, this.#models, {
      samples: WATCH_FORECAST_SAMPLES,
      seed: SEED,
      live: { state, nowMs },
      graph: this.#compiled(),
    });
    this.#cache = { seq: state.lastSeq, hash: state.lastHash, atMs: nowMs, endMs: f.p50EndMs };
    return f.p50EndMs;
  }

  at(state: RunState, nowMs: number): WatchClock {
    const fixed = staticPart(this.#plan, state, nowMs);
    if (this.#judged) return { ...fixed, forecastEndMs: this.forecastEndMs(state, nowMs) };
    // Not judged on its window: nothing the engine decides reads the end, so it is worked out only if read.
    return new PlannedEndClock(fixed.nowMs, fixed.rollbackMs, fixed.ponrAtMs, this);
  }

  /** The plan's own expected end, for `PlannedEndClock`. */
  plannedEndMs(): number {
    return this.#planned();
  }
}

/**
 * The clock of a plan not judged on its window: its end worked out only if read. A class (its getter on the
 * prototype), not an object literal with a getter and a closure, which V8 builds slowly on every decision
 * (in every dispatch of a chain: docs/benchmarks.md).
 */
class PlannedEndClock implements WatchClock {
  readonly #source: WatchClockSource;

  constructor(
    readonly nowMs: number,
    readonly rollbackMs: number,
    readonly ponrAtMs: number | undefined,
    source: WatchClockSource,
  ) {
    this.#source = source;
  }

  get forecastEndMs(): number {
    return this.#source.plannedEndMs();
  }
}

function staticPart(plan: Plan, state: RunState, nowMs: number): Omit<WatchClock, 'forecastEndMs'> {
  const rollbackMs = rollbackNeedsMs(plan);
  return {
    nowMs,
    rollbackMs,
    ponrAtMs: plan.window ? state.goLiveMs + plan.window.endMs - rollbackMs : undefined,
  };
}

/** The point of no return for a run (absolute), for people's commands; undefined without a window. */
export const ponrAtMs = (plan: Plan, state: RunState): number | undefined =>
  staticPart(plan, state, 0).ponrAtMs;
