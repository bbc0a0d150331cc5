import type { Monitor } from '../plan/plan.js';
import type { MonitorProgress } from './monitor-analysis.js';
import { isFinalPhase } from './monitor-analysis.js';

/** After an error the next measurement comes sooner (Argo's `DefaultErrorRetryInterval`), never later. */
export const ERROR_RETRY_MS = 10_000;

export type MonitorTiming =
  /** Measure now (`dueAtMs` ≤ now) or at `dueAtMs`. */
  | { readonly state: 'due'; readonly dueAtMs: number }
  /** Before `from` + `initialDelay`. */
  | { readonly state: 'waiting'; readonly dueAtMs: number }
  /** Past `until`, count reached, or the monitor reached a final phase: no more measurements. */
  | { readonly state: 'closed'; readonly reason: 'until' | 'count' | 'final' };

/**
 * When a monitor measures next, from the plan, T-0 and what the journal says it has measured: the first
 * measurement at `from` (default T-0) + `initialDelay`, then one `interval` after the previous one (10 s after
 * an error, as Argo), until `until` (default: the window's end), `count` measurements or a final phase. A measurement that fell due while
 * no executor ran is due at once, and only once: missed intervals are not replayed, since a health check
 * cannot measure the past.
 */
export function monitorTiming(
  monitor: Monitor,
  goLiveMs: number,
  progress: MonitorProgress,
  /** The window's end (relative to T-0): where a monitor without `until` stops. */
  windowEndMs?: number,
): MonitorTiming {
  if (monitor.count !== undefined && progress.counters.count >= monitor.count) {
    return { state: 'closed', reason: 'count' };
  }
  if (isFinalPhase(progress.phase)) return { state: 'closed', reason: 'final' };
  const firstAt = goLiveMs + (monitor.fromMs ?? 0) + monitor.initialDelayMs;
  const until = monitor.untilMs ?? windowEndMs;
  const untilAt = until === undefined ? undefined : goLiveMs + until;
  const dueAtMs =
    progress.lastAtMs === undefined
      ? firstAt
      : progress.lastAtMs +
        (progress.lastOutcome === 'error'
          ? Math.min(ERROR_RETRY_MS, monitor.intervalMs)
          : monitor.intervalMs);
  if (untilAt !== undefined && dueAtMs > untilAt) return { state: 'closed', reason: 'until' };
  return { state: progress.lastAtMs === undefined ? 'waiting' : 'due', dueAtMs };
}

/** Whether a monitor should measure at `nowMs`. */
export function isMeasurementDue(
  monitor: Monitor,
  goLiveMs: number,
  progress: MonitorProgress,
  nowMs: number,
) {
  const t = monitorTiming(monitor, goLiveMs, progress);
  return t.state !== 'closed' && t.dueAtMs <= nowMs;
}
