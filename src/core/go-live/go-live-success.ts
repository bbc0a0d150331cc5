import type { Plan } from '../plan/plan.js';
import { closeMonitor } from './monitor-analysis.js';
import { monitorTiming } from './monitor-timing.js';
import type { WatchState } from './watch-state.js';
import { progressOf } from './watch-state.js';

export interface SuccessVerdict {
  /** Every non-dry-run monitor finished successful (or has no more measurements due and stayed within limits). */
  readonly ready: boolean;
  /** Monitors still measuring. */
  readonly watching: readonly string[];
  /** Monitors that ended badly. */
  readonly failing: readonly string[];
  /** Per monitor: its phase and counters, recorded with the declaration. */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/**
 * Whether the go-live watch can end in success: the end of the watch is a decision too, taken on evidence.
 * A monitor whose window closed (until, count) within its limits counts as successful; dry-run monitors are
 * shown in the evidence but decide nothing.
 */
export function successVerdict(plan: Plan, watch: WatchState, goLiveMs: number): SuccessVerdict {
  const watching: string[] = [];
  const failing: string[] = [];
  const evidence: Record<string, unknown> = {};
  for (const m of plan.monitors) {
    const p = progressOf(watch, m.id);
    const timing = monitorTiming(m, goLiveMs, p, plan.window?.endMs);
    const phase = timing.state === 'closed' ? closeMonitor(m, p) : p.phase;
    evidence[m.id] = { phase, dryRun: m.dryRun, measurements: p.taken, ...p.counters };
    if (m.dryRun) continue;
    if (timing.state !== 'closed') watching.push(m.id);
    else if (phase !== 'successful') failing.push(m.id);
  }
  return { ready: watching.length === 0 && failing.length === 0, watching, failing, evidence };
}

/** The post-rollback task list with due times counted from the rollback's completion. */
export const followUpTasks = (plan: Plan, completedAtMs: number) =>
  plan.rollback.followUp.map((f) => ({
    id: f.id,
    title: f.title,
    ...(f.owner === undefined ? {} : { owner: f.owner }),
    ...(f.dueMs === undefined ? {} : { dueAtMs: completedAtMs + f.dueMs }),
  }));
