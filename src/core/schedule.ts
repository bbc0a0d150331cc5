import type { Plan, Task } from './plan.js';
import { formatOffset } from './offset.js';

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

/** Tasks in an order where every dependency comes first: phase by phase, then Kahn's algorithm inside. */
function topologicalOrder(plan: Plan, byId: ReadonlyMap<string, Task>): Task[] {
  const order: Task[] = [];
  for (const phase of plan.phases) {
    const inPhase = new Set(phase.taskIds);
    const pending = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    for (const id of phase.taskIds) {
      const local = (byId.get(id)?.after ?? []).filter((d) => inPhase.has(d));
      pending.set(id, local.length);
      for (const d of local) dependents.set(d, [...(dependents.get(d) ?? []), id]);
    }
    const queue = phase.taskIds.filter((id) => pending.get(id) === 0);
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i]!;
      order.push(byId.get(id)!);
      for (const next of dependents.get(id) ?? []) {
        const left = pending.get(next)! - 1;
        pending.set(next, left);
        if (left === 0) queue.push(next);
      }
    }
  }
  return order;
}

/** How long a task is planned to take when it starts at `startMs`. */
function plannedDuration(task: Task, startMs: number): number {
  if (task.kind === 'gate' && task.estimateDefaulted && task.gate?.deadlineMs !== undefined) {
    return Math.max(0, task.gate.deadlineMs - startMs);
  }
  if (task.kind === 'wait' && task.estimateDefaulted && task.wait?.untilMs !== undefined) {
    return Math.max(0, task.wait.untilMs - startMs);
  }
  return task.estimateMs;
}

/**
 * Computes the planned schedule of a valid plan: forward and backward passes over the dependency graph
 * where each phase's tasks start no earlier than the phase's `at` and after every task of the phase before.
 *
 * @example
 * const s = computeSchedule(plan);
 * s.criticalPath // ['stop-jobs', 'backup', ...]
 */
export function computeSchedule(plan: Plan): Schedule {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const order = topologicalOrder(plan, byId);
  const start = new Map<string, number>();
  const finish = new Map<string, number>();
  const phaseReady: number[] = [];
  const phaseDone: number[] = [];

  // Forward pass.
  let previousDone = -Infinity;
  for (const phase of plan.phases) {
    const ready = Math.max(phase.atMs, previousDone);
    phaseReady[phase.index] = ready;
    let done = ready;
    for (const task of order.filter((t) => t.phaseIndex === phase.index)) {
      const s = Math.max(ready, ...task.after.map((d) => finish.get(d) ?? ready));
      const f = s + plannedDuration(task, s);
      start.set(task.id, s);
      finish.set(task.id, f);
      done = Math.max(done, f);
    }
    phaseDone[phase.index] = done;
    previousDone = done;
  }
  const expectedEndMs = plan.phases.length === 0 ? 0 : phaseDone[plan.phases.length - 1]!;
  const startMs = plan.phases.length === 0 ? 0 : phaseReady[0]!;

  // Backward pass: latest finish is bounded by explicit dependents and by the next phase's barrier.
  const successors = new Map<string, string[]>();
  for (const task of plan.tasks) {
    for (const d of task.after) successors.set(d, [...(successors.get(d) ?? []), task.id]);
  }
  const latestStart = new Map<string, number>();
  const latestReady: number[] = [];
  for (let i = order.length - 1; i >= 0; i--) {
    const task = order[i]!;
    const barrier = latestReadyAfter(task.phaseIndex);
    let lf = barrier;
    for (const s of successors.get(task.id) ?? []) lf = Math.min(lf, latestStart.get(s) ?? lf);
    const ls = lf - (finish.get(task.id)! - start.get(task.id)!);
    latestStart.set(task.id, ls);
    latestReady[task.phaseIndex] = Math.min(latestReady[task.phaseIndex] ?? Infinity, ls);
  }
  function latestReadyAfter(phaseIndex: number): number {
    for (let p = phaseIndex + 1; p < plan.phases.length; p++) {
      const v = latestReady[p];
      if (v !== undefined) return v;
    }
    return expectedEndMs;
  }

  const tasks: ScheduledTask[] = plan.tasks.map((t) => {
    const s = start.get(t.id) ?? 0;
    const f = finish.get(t.id) ?? s;
    const slack = Math.max(0, (latestStart.get(t.id) ?? s) - s);
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

  const criticalPath = traceCriticalPath(byId, order, start, finish, phaseReady);
  const rollbackMs = plan.rollback.steps.reduce((sum, s) => sum + s.budgetMs, 0);
  const pointOfNoReturnMs = plan.window === undefined ? undefined : plan.window.endMs - rollbackMs;
  return {
    tasks,
    criticalPath,
    startMs,
    expectedEndMs,
    rollbackMs,
    pointOfNoReturnMs,
    warnings: scheduleWarnings(plan, tasks, expectedEndMs, pointOfNoReturnMs),
  };
}

/** Walks back from the last task to finish, through the predecessor that made each task start when it did. */
function traceCriticalPath(
  byId: ReadonlyMap<string, Task>,
  order: readonly Task[],
  start: ReadonlyMap<string, number>,
  finish: ReadonlyMap<string, number>,
  phaseReady: readonly number[],
): string[] {
  let current: Task | undefined;
  for (const t of order) if (!current || finish.get(t.id)! >= finish.get(current.id)!) current = t;
  const path: string[] = [];
  while (current) {
    path.push(current.id);
    const s = start.get(current.id)!;
    const explicit = current.after.find((d) => finish.get(d) === s);
    if (explicit !== undefined) {
      current = byId.get(explicit);
      continue;
    }
    if (s !== phaseReady[current.phaseIndex]) break;
    // Started when its phase became ready: a task of an earlier phase that finished exactly then decided
    // it (if none did, the phase's own start time did, and the path begins here).
    let blocker: Task | undefined;
    for (const t of order) {
      if (t.phaseIndex < current.phaseIndex && finish.get(t.id) === s) blocker = t;
    }
    current = blocker;
  }
  return path.reverse();
}

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
