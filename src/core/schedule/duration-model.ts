import type { ObservedDuration } from './observed-durations.js';
import type { Plan } from '../plan/plan.js';
import { isClockBound } from './schedule-graph.js';

/** How the forecast draws a task's duration. */
export type DurationBasis = 'history' | 'estimate' | 'clock';

export interface TaskDurationModel {
  readonly id: string;
  readonly basis: DurationBasis;
  readonly estimateMs: number;
  /** Durations seen in earlier runs, sorted (also when too few to be used). */
  readonly observedMs: readonly number[];
  /** `history`: the durations drawn from; `estimate`: the triangular distribution's min and max. `typicalMs`: the median seen, or the estimate (the mode). */
  readonly minMs: number;
  readonly typicalMs: number;
  readonly maxMs: number;
}

export interface DurationModelOptions {
  /** Durations a task needs in earlier runs before they replace its estimate. */
  readonly minSamples: number;
  /** Relative spread around an estimate: from (1 − spread) to (1 + 2 × spread) times it. */
  readonly spread: number;
}

export const DEFAULT_MODEL_OPTIONS: DurationModelOptions = { minSamples: 3, spread: 0.2 };

/**
 * One simple, explainable model per task. With at least `minSamples` durations from earlier runs, a duration
 * is one of those seen, each equally likely (the empirical distribution). With fewer, it comes from a
 * triangular distribution around the plan's estimate: most likely the estimate, at least (1 − spread) and at
 * most (1 + 2 × spread) times it, skewed late as real work is. Gates and waits that last until a time are
 * left to the clock.
 */
export function buildDurationModels(
  plan: Plan,
  observed: readonly ObservedDuration[],
  options: DurationModelOptions = DEFAULT_MODEL_OPTIONS,
): TaskDurationModel[] {
  const byTask = new Map<string, number[]>();
  for (const o of observed) byTask.set(o.taskId, [...(byTask.get(o.taskId) ?? []), o.durationMs]);
  return plan.tasks.map((task) => {
    const seen = (byTask.get(task.id) ?? []).sort((a, b) => a - b);
    const e = task.estimateMs;
    if (isClockBound(task)) {
      return {
        id: task.id,
        basis: 'clock',
        estimateMs: e,
        observedMs: seen,
        minMs: e,
        typicalMs: e,
        maxMs: e,
      };
    }
    if (seen.length >= options.minSamples && seen.length > 0) {
      return {
        id: task.id,
        basis: 'history',
        estimateMs: e,
        observedMs: seen,
        minMs: seen[0]!,
        typicalMs: seen[Math.floor((seen.length - 1) / 2)]!,
        maxMs: seen[seen.length - 1]!,
      };
    }
    return {
      id: task.id,
      basis: 'estimate',
      estimateMs: e,
      observedMs: seen,
      minMs: e * (1 - options.spread),
      typicalMs: e,
      maxMs: e * (1 + 2 * options.spread),
    };
  });
}

/**
 * A duration drawn from a task's model with one uniform number `u` in [0, 1): the inverse of its
 * distribution function, so the same `u` always gives the same duration.
 */
export function drawDuration(model: TaskDurationModel, u: number): number {
  if (model.basis === 'history') {
    const seen = model.observedMs;
    return seen[Math.min(seen.length - 1, Math.floor(u * seen.length))]!;
  }
  if (model.basis === 'clock') return model.estimateMs;
  const { minMs: a, typicalMs: c, maxMs: b } = model;
  if (b <= a) return c;
  const split = (c - a) / (b - a);
  return u < split ? a + Math.sqrt(u * (b - a) * (c - a)) : b - Math.sqrt((1 - u) * (b - a) * (b - c));
}

/**
 * The models as one function over flat arrays, for the forecast's inner loop: `draw(i, u)` equals
 * `drawDuration(models[i], u)`.
 */
export function compileModels(models: readonly TaskDurationModel[]): (i: number, u: number) => number {
  const n = models.length;
  const history = new Uint8Array(n);
  const a = new Float64Array(n);
  const c = new Float64Array(n);
  const b = new Float64Array(n);
  const split = new Float64Array(n);
  const offset = new Int32Array(n + 1);
  const seen: number[] = [];
  models.forEach((m, i) => {
    offset[i] = seen.length;
    if (m.basis === 'history') {
      history[i] = 1;
      seen.push(...m.observedMs);
    } else if (m.basis === 'clock' || m.maxMs <= m.minMs) {
      a[i] = c[i] = b[i] = m.basis === 'clock' ? m.estimateMs : m.typicalMs;
      split[i] = 2; // never below: always b − 0
    } else {
      a[i] = m.minMs;
      c[i] = m.typicalMs;
      b[i] = m.maxMs;
      split[i] = (m.typicalMs - m.minMs) / (m.maxMs - m.minMs);
    }
  });
  offset[n] = seen.length;
  const observed = Float64Array.from(seen);
  return (i, u) => {
    if (history[i] === 1) {
      const from = offset[i]!;
      const count = offset[i + 1]! - from;
      return observed[from + Math.min(count - 1, Math.floor(u * count))]!;
    }
    const lo = a[i]!;
    const hi = b[i]!;
    const mode = c[i]!;
    if (split[i]! > 1) return mode;
    return u < split[i]!
      ? lo + Math.sqrt(u * (hi - lo) * (mode - lo))
      : hi - Math.sqrt((1 - u) * (hi - lo) * (hi - mode));
  };
}
