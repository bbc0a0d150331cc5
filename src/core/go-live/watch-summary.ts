import type { Measurement, MonitorCounters, MonitorPhase } from './monitor-analysis.js';
import { closeMonitor } from './monitor-analysis.js';
import { monitorTiming } from './monitor-timing.js';
import type { DecisionDefault, Plan } from '../plan/plan.js';
import type { RunState } from '../run/run-state.js';
import type { CriterionSeverity } from './watch-event.js';
import type { WatchState } from './watch-state.js';
import { progressOf } from './watch-state.js';

/** One monitor as `tminus status` shows it. */
export interface MonitorSummary {
  readonly id: string;
  readonly title: string;
  readonly dryRun: boolean;
  /** `pending` before its first measurement; once its window closed, the verdict it closed with. */
  readonly phase: MonitorPhase;
  /** Whether it still measures (`watching`), has not started yet, or is done. */
  readonly state: 'waiting' | 'watching' | 'done';
  readonly measurements: number;
  readonly counters: MonitorCounters;
  readonly last: Measurement | undefined;
  /** When it measures next (absolute run time), while it still measures. */
  readonly nextAtMs: number | undefined;
}

/** A fired criterion that waits for a person's decision. */
export interface PendingDecision {
  readonly criterionId: string;
  readonly title: string;
  readonly firedAtMs: number;
  readonly detail: string;
  readonly severity: CriterionSeverity;
  /** When the default applies (absolute run time); undefined: it waits for a person however long. */
  readonly deadlineAtMs: number | undefined;
  readonly default: DecisionDefault;
}

export interface WatchSummary {
  readonly monitors: readonly MonitorSummary[];
  readonly pending: readonly PendingDecision[];
}

/**
 * The go-live watch at a glance, from the folded run and watch: each monitor's phase, last measurement and
 * verdict, and the decisions people owe with their deadline and default. Pure; `tminus status` shows it.
 */
export function watchSummary(plan: Plan, run: RunState, watch: WatchState): WatchSummary {
  const monitors = plan.monitors.map((m): MonitorSummary => {
    const p = progressOf(watch, m.id);
    const timing = monitorTiming(m, run.goLiveMs, p, plan.window?.endMs);
    const stopped = run.status === 'ended' || run.rollback !== undefined;
    const done = timing.state === 'closed' || stopped;
    return {
      id: m.id,
      title: m.title,
      dryRun: m.dryRun,
      phase: timing.state === 'closed' ? closeMonitor(m, p) : p.phase,
      state: done ? 'done' : timing.state === 'waiting' ? 'waiting' : 'watching',
      measurements: p.taken,
      counters: p.counters,
      last: p.recent.at(-1),
      nextAtMs: done ? undefined : timing.dueAtMs,
    };
  });
  const pending: PendingDecision[] = [];
  if (!run.rollback && run.status !== 'ended') {
    for (const c of plan.rollback.criteria) {
      const fired = run.firedCriteria[c.id];
      const asked = watch.asked[c.id];
      if (!fired || !asked || watch.decisions[c.id]) continue;
      pending.push({
        criterionId: c.id,
        title: c.title,
        firedAtMs: fired.atMs,
        detail: fired.detail,
        severity: asked.severity,
        deadlineAtMs: asked.deadlineAtMs,
        default: asked.default,
      });
    }
  }
  return { monitors, pending };
}
