import type { Plan } from '../plan/plan.js';

/** Where the run stands against its point of no return (all times absolute, on the run clock). */
export interface PonrStatus {
  /** The last moment a rollback can start and still finish inside the window; undefined without one. */
  readonly atMs: number | undefined;
  readonly passed: boolean;
  /** The warning lead (ms before the PONR) to announce now, if one is due and not yet announced. */
  readonly warnLeadMs: number | undefined;
  /** When the next warning or the passing falls due. */
  readonly nextAtMs: number | undefined;
}

/**
 * The point of no return, live: window end minus the time the rollback procedure needs. `ponrWarnings`
 * announce it ahead (e.g. 30m and 10m before); when several fell due at once (a run started late, an
 * executor down) only the nearest is announced — a "30 minutes left" after the 10-minute mark would mislead.
 */
export function ponrStatus(
  plan: Plan,
  goLiveMs: number,
  rollbackMs: number,
  warned: readonly number[],
  nowMs: number,
): PonrStatus {
  if (!plan.window) return { atMs: undefined, passed: false, warnLeadMs: undefined, nextAtMs: undefined };
  const atMs = goLiveMs + plan.window.endMs - rollbackMs;
  if (nowMs >= atMs) return { atMs, passed: true, warnLeadMs: undefined, nextAtMs: undefined };
  const leads = plan.rollback.ponrWarningsMs; // longest first
  const due = leads.filter((l) => nowMs >= atMs - l);
  const nearest = due.length > 0 ? Math.min(...due) : undefined;
  const warnLeadMs = nearest !== undefined && !warned.some((w) => w <= nearest) ? nearest : undefined;
  const upcoming = leads.filter((l) => nowMs < atMs - l).map((l) => atMs - l);
  return { atMs, passed: false, warnLeadMs, nextAtMs: Math.min(atMs, ...upcoming) };
}
