import type { ObservedDuration } from '../core/schedule/observed-durations.js';
import { observedDurations } from '../core/schedule/observed-durations.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunMode, RunOutcome } from '../core/run/run-event.js';
import { foldRun } from '../core/run/run-state.js';
import type { RunStore } from '../store/store.js';

/** One earlier run the forecast learned from. */
export interface HistoryRun {
  readonly runId: string;
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly speed: number;
  readonly durations: number;
  readonly outcome: RunOutcome | undefined;
  readonly startedAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly goLiveMs: number;
}

export interface PlanHistory {
  readonly runs: readonly HistoryRun[];
  readonly observed: readonly ObservedDuration[];
}

/**
 * Reads the earlier runs of a plan (same plan name) from stores — the plan's own and any imported with
 * `--from` — and the task durations they saw. `excludeRunId` leaves out the run being forecast. A run id seen
 * in two stores is read once (a copied store holds the same runs).
 *
 * @example const history = await readPlanHistory([store], plan, { excludeRunId: state.runId });
 */
export async function readPlanHistory(
  stores: readonly RunStore[],
  plan: Plan,
  options: { readonly excludeRunId?: string } = {},
): Promise<PlanHistory> {
  const runs: HistoryRun[] = [];
  const observed: ObservedDuration[] = [];
  const seen = new Set<string>();
  for (const store of stores) {
    for (const summary of await store.listRuns()) {
      if (summary.planName !== plan.name || summary.runId === options.excludeRunId) continue;
      if (seen.has(summary.runId)) continue;
      seen.add(summary.runId);
      const events = await store.readEvents(summary.runId);
      const first = events[0]?.data;
      if (first?.type !== 'run.started') continue;
      const durations = observedDurations(plan, events);
      const state = foldRun(events);
      runs.push({
        outcome: state.outcome,
        startedAtMs: state.startedAtMs,
        endedAtMs: state.endedAtMs,
        goLiveMs: state.goLiveMs,
        runId: summary.runId,
        mode: first.mode,
        dryRun: first.dryRun,
        speed: first.speed,
        durations: durations.length,
      });
      observed.push(...durations);
    }
  }
  return { runs, observed };
}
