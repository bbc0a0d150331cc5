import type { ObservedDuration } from '../schedule/observed-durations.js';
import { observedDurations } from '../schedule/observed-durations.js';
import type { Plan } from '../plan/plan.js';
import type { RunEvent, RunMode, RunOutcome } from '../run/run-event.js';
import type { RunState } from '../run/run-state.js';

/** An earlier run of the same plan, as the store holds it. */
export interface EarlierRun {
  readonly runId: string;
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly outcome: RunOutcome | undefined;
  readonly startedAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly goLiveMs: number;
}

export interface ReportHistory {
  readonly runs: readonly (EarlierRun & { readonly durationMs: number | undefined })[];
  /** Tasks this run and earlier runs both timed: this run's duration against their median. */
  readonly tasks: readonly {
    readonly id: string;
    readonly thisMs: number;
    readonly medianMs: number;
    readonly runs: number;
    readonly differenceMs: number;
  }[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/** The other runs of the plan, and the tasks this run and they both timed: this run against their median. */
export function historyOf(
  plan: Plan,
  events: readonly RunEvent[],
  history:
    { readonly runs: readonly EarlierRun[]; readonly observed: readonly ObservedDuration[] } | undefined,
  state: RunState,
): ReportHistory | undefined {
  const runs = (history?.runs ?? []).filter((r) => r.runId !== state.runId);
  if (runs.length === 0) return undefined;
  const mine = observedDurations(plan, events);
  const byTask = new Map<string, number[]>();
  for (const o of history?.observed ?? []) {
    if (o.runId === state.runId) continue;
    byTask.set(o.taskId, [...(byTask.get(o.taskId) ?? []), o.durationMs]);
  }
  const tasks = mine
    .filter((o) => byTask.has(o.taskId))
    .map((o) => {
      const seen = byTask.get(o.taskId)!;
      const m = median(seen);
      return {
        id: o.taskId,
        thisMs: o.durationMs,
        medianMs: m,
        runs: seen.length,
        differenceMs: o.durationMs - m,
      };
    })
    .sort((a, b) => Math.abs(b.differenceMs) - Math.abs(a.differenceMs));
  return {
    runs: runs.map((r) => ({
      ...r,
      durationMs: r.endedAtMs === undefined ? undefined : r.endedAtMs - r.startedAtMs,
    })),
    tasks,
  };
}
