import type { Plan, Task } from '../plan/plan.js';
import type { ScheduleGraph } from './schedule-graph.js';
import { compileGraph, criticalChain, forwardPass, latestFinishes, estimatesOf } from './schedule-graph.js';
import { formatOffset } from '../plan/offset.js';

/** One task's place in the schedule; all times are milliseconds relative to T-0. */
export interface ScheduledTask {
  readonly id: string;
  readonly phase: string;
  readonly kind: Task['kind'];
  readonly owner: string | undefined;
  readonly startMs: number;
  readonly finishMs: number;
  readonly durationMs: number;
  readonly estimateDefaulted: boolean;
  readonly latestStartMs: number;
  readonly slackMs: number;
  readonly critical: boolean;
}

export interface ScheduleWarning {
  readonly code: string;
  readonly message: string;
}

export interface Schedule {
  readonly tasks: readonly ScheduledTask[];
  /** Task ids on the longest chain that decides the expected end, in order. */
  readonly criticalPath: readonly string[];
  readonly startMs: number;
  readonly expectedEndMs: number;
  /** Time the rollback steps need, in their own order. */
  readonly rollbackMs: number;
  /** The last moment a rollback can start and still finish inside the window; undefined without a window. */
  readonly pointOfNoReturnMs: number | undefined;
  readonly warnings: readonly ScheduleWarning[];
}

/**
 * Computes the planned schedule of a valid plan: forward and backward passes over the dependency graph
 * where each phase's tasks start no earlier than the phase's `at` and after every task of the phase before.
 *
 * @example
 * const s = computeSchedule(plan);
 * s.criticalPath // ['stop-jobs', 'backup', ...]
 */
export function computeSchedule(plan: Plan, graph: ScheduleGraph = compileGraph(plan)): Schedule {
  const times = forwardPass(graph, { work: estimatesOf(graph) });
  const latestFinish = latestFinishes(graph, times);
  const tasks: ScheduledTask[] = plan.tasks.map((t, i) => {
    const s = times.start[i]!;
    const f = times.finish[i]!;
    const slack = Math.max(0, latestFinish[i]! - f);
    return {
      id: t.id,
      phase: t.phaseId,
      kind: t.kind,
      owner: t.owner,
      startMs: s,
      finishMs: f,
      durationMs: f - s,
      estimateDefaulted: t.estimateDefaulted && !(t.kind === 'gate' || t.kind === 'wait'),
      latestStartMs: s + slack,
      slackMs: slack,
      critical: slack === 0,
    };
  });
  const criticalPath = criticalChain(graph, times).map((i) => graph.tasks[i]!.id);
  const rollbackMs = rollbackNeedsMs(plan);
  const pointOfNoReturnMs = plan.window === undefined ? undefined : plan.window.endMs - rollbackMs;
  return {
    tasks,
    criticalPath,
    startMs: times.startMs,
    expectedEndMs: times.endMs,
    rollbackMs,
    pointOfNoReturnMs,
    warnings: scheduleWarnings(plan, tasks, times.endMs, pointOfNoReturnMs),
  };
}

/** Time the rollback steps need, run one after the other, from their budgets. */
export const rollbackNeedsMs = (plan: Plan): number =>
  plan.rollback.steps.reduce((sum, s) => sum + s.budgetMs, 0);

function scheduleWarnings(
  plan: Plan,
  tasks: readonly ScheduledTask[],
  expectedEndMs: number,
  pointOfNoReturnMs: number | undefined,
): ScheduleWarning[] {
  const warnings: ScheduleWarning[] = [];
  const defaulted = tasks.filter((t) => t.estimateDefaulted);
  if (defaulted.length > 0) {
    const names = defaulted
      .slice(0, 5)
      .map((t) => t.id)
      .join(', ');
    const more = defaulted.length > 5 ? ` and ${defaulted.length - 5} more` : '';
    warnings.push({
      code: 'default-estimate',
      message: `${defaulted.length} task(s) have no estimate and use the default: ${names}${more}`,
    });
  }
  if (plan.window) {
    if (expectedEndMs > plan.window.endMs) {
      warnings.push({
        code: 'end-outside-window',
        message: `the expected end ${formatOffset(expectedEndMs)} is after the window ends (${formatOffset(plan.window.endMs)})`,
      });
    }
    if (pointOfNoReturnMs !== undefined && pointOfNoReturnMs < plan.window.startMs) {
      warnings.push({
        code: 'point-of-no-return-outside-window',
        message: `the point of no return ${formatOffset(pointOfNoReturnMs)} is before the window starts (${formatOffset(plan.window.startMs)}): a rollback cannot finish inside the window`,
      });
    } else if (pointOfNoReturnMs !== undefined && pointOfNoReturnMs < expectedEndMs) {
      warnings.push({
        code: 'point-of-no-return-before-end',
        message: `the point of no return ${formatOffset(pointOfNoReturnMs)} comes before the expected end ${formatOffset(expectedEndMs)}: a late failure could not be rolled back inside the window`,
      });
    }
  }
  return warnings;
}
