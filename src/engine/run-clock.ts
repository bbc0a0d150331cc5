import type { RunState } from '../core/run/run-state.js';

/** Where a run's clock was anchored: run time `atMs` at real time `realMs`, running `speed` times real time. */
export interface ClockAnchor {
  readonly atMs: number;
  readonly realMs: number;
  readonly speed: number;
}

/** The one formula for a run's time: `atMs + (real now − realMs) × speed` (speed 1 in live runs). */
export const runTimeAt = (anchor: ClockAnchor, realNowMs: number): number =>
  Math.round(anchor.atMs + (realNowMs - anchor.realMs) * anchor.speed);

/**
 * The run's time as its executor sees it, for anyone outside the executor (a person's command, a status
 * view, a check): a live run follows the wall clock; a rehearsal's clock stands still at its last event
 * while no executor drives it (`driven` false) and never goes back; an ended run stays at its end.
 */
export function runTime(state: RunState, realNowMs: number, driven: boolean): number {
  if (state.status === 'ended') return state.lastAtMs;
  if (state.mode === 'live') return runTimeAt(state.clockAnchor, realNowMs);
  return driven ? Math.max(state.lastAtMs, runTimeAt(state.clockAnchor, realNowMs)) : state.lastAtMs;
}
