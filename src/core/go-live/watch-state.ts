import type { Actor } from '../run/run-event.js';
import type { Plan } from '../plan/plan.js';
import type { Decision, CriterionSeverity, WatchEventData } from './watch-event.js';
import type { MonitorProgress } from './monitor-analysis.js';
import { INITIAL_PROGRESS, applyMeasurement } from './monitor-analysis.js';
import type { DecisionDefault } from '../plan/plan.js';

/** The go-live watch as the journal tells it: monitors' progress, declarations, decisions, PONR, success. */
export interface WatchState {
  monitors: Record<string, MonitorProgress>;
  declared: Record<string, { readonly by: Actor; readonly reason: string; readonly atMs: number }>;
  asked: Record<
    string,
    {
      readonly atMs: number;
      readonly severity: CriterionSeverity;
      readonly deadlineAtMs: number | undefined;
      readonly default: DecisionDefault;
    }
  >;
  decisions: Record<
    string,
    {
      readonly decision: Decision;
      readonly basis: 'person' | 'deadline' | 'auto';
      readonly by: Actor;
      readonly atMs: number;
      readonly reason: string;
      readonly override: boolean;
    }
  >;
  /** Lead times already warned about, in ms. */
  ponrWarned: number[];
  ponrPassedAtMs: number | undefined;
  overBudget: string[];
  success:
    | {
        readonly basis: 'monitors' | 'person';
        readonly by: Actor;
        readonly atMs: number;
        readonly reason: string;
      }
    | undefined;
  followUp:
    | readonly {
        readonly id: string;
        readonly title: string;
        readonly owner?: string;
        readonly dueAtMs?: number;
      }[]
    | undefined;
}

export const initialWatch = (): WatchState => ({
  monitors: {},
  declared: {},
  asked: {},
  decisions: {},
  ponrWarned: [],
  ponrPassedAtMs: undefined,
  overBudget: [],
  success: undefined,
  followUp: undefined,
});

/** Folds one watch event (other events are ignored). Pure apart from mutating `w`, like `applyEvent`. */
export function applyWatchEvent(
  plan: Plan,
  w: WatchState,
  e: { readonly atMs: number; readonly actor: Actor; readonly data: { readonly type: string } },
): void {
  const data = e.data as WatchEventData;
  switch (data.type) {
    case 'monitor.measured': {
      const spec = plan.monitors.find((m) => m.id === data.monitorId);
      if (!spec) return;
      w.monitors[data.monitorId] = applyMeasurement(spec, w.monitors[data.monitorId] ?? INITIAL_PROGRESS, {
        n: data.n,
        atMs: e.atMs,
        raw: data.raw,
        outcome: data.outcome,
        reason: data.reason,
        ...(data.value === undefined ? {} : { value: data.value }),
      });
      return;
    }
    case 'criterion.declared':
      w.declared[data.criterionId] ??= { by: e.actor, reason: data.reason, atMs: e.atMs };
      return;
    case 'decision.asked':
      w.asked[data.criterionId] ??= {
        atMs: e.atMs,
        severity: data.severity,
        deadlineAtMs: data.deadlineAtMs,
        default: data.default,
      };
      return;
    case 'decision.made':
      w.decisions[data.criterionId] ??= {
        decision: data.decision,
        basis: data.basis,
        by: e.actor,
        atMs: e.atMs,
        reason: data.reason,
        override: data.override ?? false,
      };
      return;
    case 'ponr.warned':
      if (!w.ponrWarned.includes(data.leadMs)) w.ponrWarned.push(data.leadMs);
      return;
    case 'ponr.passed':
      w.ponrPassedAtMs ??= e.atMs;
      return;
    case 'rollback.over-budget':
      if (!w.overBudget.includes(data.stepId)) w.overBudget.push(data.stepId);
      return;
    case 'success.declared':
      w.success ??= { basis: data.basis, by: e.actor, atMs: e.atMs, reason: data.reason };
      return;
    case 'followup.recorded':
      w.followUp ??= data.tasks;
      return;
  }
}

/** The watch state from a run's journal. */
export function foldWatch(
  plan: Plan,
  events: readonly {
    readonly atMs: number;
    readonly actor: Actor;
    readonly data: { readonly type: string };
  }[],
): WatchState {
  const w = initialWatch();
  for (const e of events) applyWatchEvent(plan, w, e);
  return w;
}

/** A monitor's progress, `pending` if it has not measured yet. */
export const progressOf = (w: WatchState, monitorId: string): MonitorProgress =>
  w.monitors[monitorId] ?? INITIAL_PROGRESS;
