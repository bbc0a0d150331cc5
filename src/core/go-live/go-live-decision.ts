import { formatDuration } from '../plan/duration.js';
import { formatOffset } from '../plan/offset.js';
import type { Plan, RollbackCriterion } from '../plan/plan.js';
import type { Actor, RunEventData } from '../run/run-event.js';
import { SYSTEM } from '../run/run-event.js';
import type { RunState, StepState } from '../run/run-state.js';
import type { CriterionSeverity } from './watch-event.js';
import type { WatchState } from './watch-state.js';
import { progressOf } from './watch-state.js';
import { ponrStatus } from '../schedule/point-of-no-return.js';
import { nextOverBudgetAtMs, rollbackBurn } from '../rollback/rollback-burn.js';

/** What the watch needs to know of time: now, T-0, the forecast end and the point of no return. */
export interface WatchClock {
  readonly nowMs: number;
  /** Expected end of the forward plan, relative to T-0 (live forecast, or the plan schedule). */
  readonly forecastEndMs: number;
  /** Time the rollback procedure needs (sum of step budgets). */
  readonly rollbackMs: number;
  /** Absolute; undefined without a window. */
  readonly ponrAtMs: number | undefined;
}

/** Why a criterion fires now, and how seriously; undefined when it does not. */
export interface CriterionTrigger {
  readonly detail: string;
  readonly severity: CriterionSeverity;
}

const failedHeld = (s: StepState | undefined): boolean => s?.status === 'held' && s.hold === 'failed';

/** Tables a `data.compare` step found different, from its output or its DATA_DIFFERS failure. */
function differingTables(s: StepState | undefined): string[] | undefined {
  if (!s) return undefined;
  if (s.error?.code === 'DATA_DIFFERS') return [s.error.message];
  const tables = s.output?.tables;
  if (s.status !== 'succeeded' || !Array.isArray(tables)) return undefined;
  const differing = (tables as { table?: unknown; status?: unknown }[])
    .filter((t) => t.status !== 'identical')
    .map((t) => String(t.table));
  return differing.length > 0 ? differing : undefined;
}

/**
 * Whether a rollback criterion holds now. Monitors: `failed`/`error` fire as failed, `inconclusive` fires as
 * inconclusive (a person decides); a dry-run monitor never fires. Tasks: the named task, or any task marked
 * `critical: true`, failed (held). Data: the `data.compare` task found differences. Window: the forecast end
 * falls after the window's end, or the window ended. Manual: a person declared it.
 */
export function criterionTrigger(
  plan: Plan,
  c: RollbackCriterion,
  run: RunState,
  watch: WatchState,
  clock: WatchClock,
): CriterionTrigger | undefined {
  switch (c.when) {
    case 'monitor-failed': {
      const monitor = plan.monitors.find((m) => m.id === c.monitor);
      if (!monitor || monitor.dryRun) return undefined;
      const p = progressOf(watch, monitor.id);
      const last = p.recent.at(-1);
      const why = last ? `; last: ${last.reason}` : '';
      const counts = `${p.counters.failed} failed, ${p.counters.inconclusive} inconclusive, ${p.counters.consecutiveError} errors in a row of ${p.taken}`;
      if (p.phase === 'failed' || p.phase === 'error') {
        return { detail: `monitor '${monitor.id}' is ${p.phase} (${counts}${why})`, severity: 'failed' };
      }
      if (p.phase === 'inconclusive') {
        return {
          detail: `monitor '${monitor.id}' is inconclusive (${counts}${why})`,
          severity: 'inconclusive',
        };
      }
      return undefined;
    }
    case 'task-failed': {
      const ids = c.task !== undefined ? [c.task] : plan.tasks.filter((t) => t.critical).map((t) => t.id);
      const id = ids.find((i) => failedHeld(run.steps[i]));
      if (id === undefined) return undefined;
      const s = run.steps[id]!;
      const critical = c.task === undefined ? 'critical ' : '';
      return {
        detail: `${critical}task '${id}' failed: ${s.error?.message ?? 'failed'}`,
        severity: 'failed',
      };
    }
    case 'data-differences': {
      const tables = c.task === undefined ? undefined : differingTables(run.steps[c.task]);
      if (!tables) return undefined;
      return {
        detail: `data comparison '${c.task}' found differences: ${tables.join(', ')}`,
        severity: 'failed',
      };
    }
    case 'window-exceeded': {
      if (!plan.window) return undefined;
      const end = run.goLiveMs + plan.window.endMs;
      if (clock.nowMs >= end) {
        return { detail: `the window ended at ${formatOffset(plan.window.endMs)}`, severity: 'failed' };
      }
      if (clock.forecastEndMs > plan.window.endMs) {
        const fits = clock.nowMs + clock.rollbackMs <= end;
        return {
          detail: `the forecast end ${formatOffset(clock.forecastEndMs)} is after the window's end ${formatOffset(plan.window.endMs)}${fits ? `; a rollback started now (${formatDuration(clock.rollbackMs)}) still fits` : '; a rollback started now no longer fits either'}`,
          severity: 'failed',
        };
      }
      return undefined;
    }
    case 'manual': {
      const d = watch.declared[c.id];
      return d ? { detail: `declared by ${d.by}: ${d.reason}`, severity: 'failed' } : undefined;
    }
  }
}

export interface WatchDecisions {
  readonly events: readonly { readonly actor: Actor; readonly data: RunEventData }[];
  readonly wakeAtMs: number | undefined;
}

/** How long people have, and what happens if they do not decide, for one criterion. */
export const decisionTerms = (plan: Plan, c: RollbackCriterion) => ({
  deadlineMs: c.decisionDeadlineMs ?? plan.rollback.decisionDeadlineMs,
  default: c.default ?? plan.rollback.default,
});

/**
 * The watch's next moves, from the plan, the folded run and watch, and the time only (like `decide`): fire
 * criteria that hold; with `rollback.auto`, start the rollback on a failed criterion; otherwise ask people,
 * and apply the default at the decision deadline. Nothing rolls back by itself after the point of no return:
 * then only a person's explicit override does.
 */
export function watchDecisions(
  plan: Plan,
  run: RunState,
  watch: WatchState,
  clock: WatchClock,
): WatchDecisions {
  const events: { actor: Actor; data: RunEventData }[] = [];
  let wakeAtMs: number | undefined;
  const wake = (at: number) => {
    if (wakeAtMs === undefined || at < wakeAtMs) wakeAtMs = at;
  };
  const add = (data: RunEventData, actor: Actor = SYSTEM) => events.push({ actor, data });
  if (run.status === 'ended') return { events, wakeAtMs };
  if (run.rollback) {
    const burn = rollbackBurn(plan, run, watch.overBudget, clock.nowMs);
    for (const s of burn.newlyOver) {
      add({ type: 'rollback.over-budget', stepId: s.id, budgetMs: s.budgetMs, usedMs: s.usedMs });
    }
    const next = nextOverBudgetAtMs(plan, run);
    if (next !== undefined && next > clock.nowMs) wake(next);
    return { events, wakeAtMs };
  }
  const ponr = ponrStatus(plan, run.goLiveMs, clock.rollbackMs, watch.ponrWarned, clock.nowMs);
  const ponrPassed = ponr.passed;
  if (ponr.atMs !== undefined) {
    if (ponr.warnLeadMs !== undefined) {
      add({ type: 'ponr.warned', leadMs: ponr.warnLeadMs, ponrAtMs: ponr.atMs });
    }
    if (ponr.passed && watch.ponrPassedAtMs === undefined) add({ type: 'ponr.passed', ponrAtMs: ponr.atMs });
    if (ponr.nextAtMs !== undefined) wake(ponr.nextAtMs);
  }
  // A paused run still watches and asks, but takes no decision by itself until it is resumed.
  const paused = run.status === 'paused';

  for (const c of plan.rollback.criteria) {
    const fired = run.firedCriteria[c.id];
    if (!fired) {
      const t = criterionTrigger(plan, c, run, watch, clock);
      if (t) add({ type: 'criterion.fired', criterionId: c.id, detail: t.detail });
      else if (c.when === 'window-exceeded' && plan.window) {
        // The forecast end moves at most as fast as the clock: look again when it could first cross the end.
        const margin = plan.window.endMs - clock.forecastEndMs;
        wake(Math.min(run.goLiveMs + plan.window.endMs, clock.nowMs + Math.max(1, margin + 1)));
      }
      continue;
    }
    if (watch.decisions[c.id]) continue;
    const asked = watch.asked[c.id];
    const terms = decisionTerms(plan, c);
    const reason = `criterion '${c.id}' fired: ${fired.detail}`;
    if (!asked) {
      const severity = criterionTrigger(plan, c, run, watch, clock)?.severity ?? 'failed';
      const auto = plan.rollback.auto && severity === 'failed' && !ponrPassed;
      if (auto && paused) continue; // decided automatically once the run is resumed
      if (auto) {
        add({ type: 'decision.made', criterionId: c.id, decision: 'rollback', basis: 'auto', reason });
        add({ type: 'rollback.started', reason, criterionId: c.id });
        return { events, wakeAtMs: undefined };
      }
      const deadlineAtMs = terms.deadlineMs === undefined ? undefined : fired.atMs + terms.deadlineMs;
      add({
        type: 'decision.asked',
        criterionId: c.id,
        severity,
        default: terms.default,
        ...(deadlineAtMs === undefined ? {} : { deadlineAtMs }),
      });
      if (deadlineAtMs !== undefined) wake(deadlineAtMs);
      continue;
    }
    if (asked.deadlineAtMs === undefined) continue;
    if (clock.nowMs < asked.deadlineAtMs) {
      wake(asked.deadlineAtMs);
      continue;
    }
    if (paused) continue;
    if (asked.default === 'rollback' && ponrPassed) continue; // past the PONR only a person may roll back
    const why = `nobody decided within the decision deadline (default: ${asked.default})`;
    add({
      type: 'decision.made',
      criterionId: c.id,
      decision: asked.default,
      basis: 'deadline',
      reason: `${reason}; ${why}`,
    });
    if (asked.default === 'rollback') {
      add({ type: 'rollback.started', reason: `${reason}; ${why}`, criterionId: c.id });
      return { events, wakeAtMs: undefined };
    }
  }
  return { events, wakeAtMs };
}
