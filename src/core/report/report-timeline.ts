import type { TaskDurationModel } from '../schedule/duration-model.js';
import type { Plan, Task } from '../plan/plan.js';
import type { RunState, StepStatus } from '../run/run-state.js';
import type { ScheduleGraph } from '../schedule/schedule-graph.js';
import { criticalChain, forwardPass } from '../schedule/schedule-graph.js';
import type { Schedule } from '../schedule/schedule.js';

/** One task as planned, as it really went, and as forecast from earlier runs. Times are epoch ms. */
export interface ReportTask {
  readonly id: string;
  readonly title: string;
  readonly phaseId: string;
  readonly kind: Task['kind'];
  readonly owner: string | undefined;
  readonly status: StepStatus;
  /** How it ended: by the engine, a person, automatically (`--auto-approve`), skipped or abandoned. */
  readonly completion: string | undefined;
  readonly by: string | undefined;
  readonly attempts: number;
  readonly plannedStartAtMs: number;
  readonly plannedEndAtMs: number;
  readonly plannedMs: number;
  readonly actualStartAtMs: number | undefined;
  readonly actualEndAtMs: number | undefined;
  readonly actualMs: number | undefined;
  /** The typical duration earlier runs saw (their median), or the estimate when they saw too few. */
  readonly forecastMs: number;
  readonly forecastBasis: TaskDurationModel['basis'];
  /** The forecast schedule: the typical durations laid out over the task graph. */
  readonly forecastEndAtMs: number;
  /** Actual duration against the planned one: > 0 took longer. */
  readonly varianceMs: number | undefined;
  /** Actual finish against the planned finish: > 0 late. */
  readonly lateMs: number | undefined;
  readonly onPlannedCriticalPath: boolean;
  readonly onActualCriticalPath: boolean;
  readonly summary: string | undefined;
}

export interface ReportPhase {
  readonly id: string;
  readonly title: string;
  readonly tasks: number;
  readonly plannedStartAtMs: number;
  readonly plannedEndAtMs: number;
  readonly actualStartAtMs: number | undefined;
  readonly actualEndAtMs: number | undefined;
  readonly forecastEndAtMs: number;
  /** Actual end against planned end: > 0 late. */
  readonly lateMs: number | undefined;
}

export interface CriticalPathVariance {
  /** The chain that decided the planned end, in order. */
  readonly planned: readonly {
    readonly id: string;
    readonly plannedMs: number;
    readonly actualMs: number | undefined;
    readonly varianceMs: number | undefined;
  }[];
  /** The chain that decided the real end (tasks that ran), in order. */
  readonly actual: readonly string[];
  readonly plannedEndAtMs: number;
  readonly forecastEndAtMs: number;
  readonly actualEndAtMs: number | undefined;
  /** Actual end against the planned end. */
  readonly varianceMs: number | undefined;
}

export interface ReportTimeline {
  readonly tasks: readonly ReportTask[];
  readonly phases: readonly ReportPhase[];
  readonly criticalPath: CriticalPathVariance;
  /** Tasks that finished later than planned, latest first. */
  readonly late: readonly ReportTask[];
}

const finished = (s: StepStatus) => s === 'succeeded' || s === 'skipped';

/**
 * The timeline part of the review: each task and phase planned, actual and forecast (the typical durations
 * from earlier runs over the same task graph), the critical path as planned and as it really went, and the
 * tasks that finished late.
 */
export function reportTimeline(
  plan: Plan,
  state: RunState,
  graph: ScheduleGraph,
  planned: Schedule,
  models: readonly TaskDurationModel[],
): ReportTimeline {
  const t0 = state.goLiveMs;
  const n = graph.tasks.length;
  const forecast = forwardPass(graph, { work: Float64Array.from(models, (m) => m.typicalMs) });
  // The real durations over the same graph: the chain of deciders is the chain that decided the real end.
  const realWork = new Float64Array(n);
  const ran = new Uint8Array(n);
  graph.tasks.forEach((task, i) => {
    const s = state.steps[task.id];
    const start = s?.firstStartedAtMs ?? s?.startedAtMs ?? s?.endedAtMs;
    if (start !== undefined && s?.endedAtMs !== undefined && finished(s.status)) {
      realWork[i] = s.endedAtMs - start;
      ran[i] = 1;
    }
  });
  const real = forwardPass(graph, { work: realWork });
  const realChainIds = criticalChain(graph, real)
    .filter((i) => ran[i] === 1)
    .map((i) => graph.tasks[i]!.id);
  const realChain = new Set(realChainIds);
  const plannedChain = new Set(planned.criticalPath);

  const tasks = graph.tasks.map((task, i): ReportTask => {
    const s = state.steps[task.id];
    const p = planned.tasks[i]!;
    // A step completed without ever starting (by a person, or `--auto-approve`) took no time of its own.
    const end = s && s.status !== 'pending' && s.status !== 'running' ? s.endedAtMs : undefined;
    const start = s?.firstStartedAtMs ?? s?.startedAtMs ?? end;
    const actualMs = start !== undefined && end !== undefined ? end - start : undefined;
    const done = s !== undefined && finished(s.status);
    return {
      id: task.id,
      title: task.title,
      phaseId: task.phaseId,
      kind: task.kind,
      owner: task.owner,
      status: s?.status ?? 'pending',
      completion: s?.completion,
      by: s?.by,
      attempts: s?.attempt ?? 0,
      plannedStartAtMs: t0 + p.startMs,
      plannedEndAtMs: t0 + p.finishMs,
      plannedMs: p.durationMs,
      actualStartAtMs: start,
      actualEndAtMs: end,
      actualMs,
      forecastMs: models[i]!.typicalMs,
      forecastBasis: models[i]!.basis,
      forecastEndAtMs: t0 + forecast.finish[i]!,
      varianceMs: done && actualMs !== undefined ? actualMs - p.durationMs : undefined,
      lateMs: done && end !== undefined ? end - (t0 + p.finishMs) : undefined,
      onPlannedCriticalPath: plannedChain.has(task.id),
      onActualCriticalPath: realChain.has(task.id),
      summary: s?.summary ?? s?.reason,
    };
  });

  const phases = plan.phases.map((phase): ReportPhase => {
    const mine = tasks.filter((t) => t.phaseId === phase.id);
    const min = (xs: (number | undefined)[]) => {
      const v = xs.filter((x): x is number => x !== undefined);
      return v.length ? Math.min(...v) : undefined;
    };
    const max = (xs: (number | undefined)[]) => {
      const v = xs.filter((x): x is number => x !== undefined);
      return v.length ? Math.max(...v) : undefined;
    };
    const allOver = mine.length > 0 && mine.every((t) => t.actualEndAtMs !== undefined);
    const plannedEnd = max(mine.map((t) => t.plannedEndAtMs)) ?? t0 + phase.atMs;
    const actualEnd = allOver ? max(mine.map((t) => t.actualEndAtMs)) : undefined;
    return {
      id: phase.id,
      title: phase.title,
      tasks: mine.length,
      plannedStartAtMs: min(mine.map((t) => t.plannedStartAtMs)) ?? t0 + phase.atMs,
      plannedEndAtMs: plannedEnd,
      actualStartAtMs: min(mine.map((t) => t.actualStartAtMs)),
      actualEndAtMs: actualEnd,
      forecastEndAtMs: max(mine.map((t) => t.forecastEndAtMs)) ?? t0 + phase.atMs,
      lateMs: actualEnd === undefined ? undefined : actualEnd - plannedEnd,
    };
  });

  const byId = new Map(tasks.map((t) => [t.id, t]));
  const forwardDone = tasks.every((t) => t.actualEndAtMs !== undefined && finished(t.status));
  const actualEndAtMs = forwardDone ? Math.max(...tasks.map((t) => t.actualEndAtMs ?? -Infinity)) : undefined;
  const plannedEndAtMs = t0 + planned.expectedEndMs;
  return {
    tasks,
    phases,
    criticalPath: {
      planned: planned.criticalPath.map((id) => {
        const t = byId.get(id)!;
        return { id, plannedMs: t.plannedMs, actualMs: t.actualMs, varianceMs: t.varianceMs };
      }),
      actual: realChainIds,
      plannedEndAtMs,
      forecastEndAtMs: t0 + forecast.endMs,
      actualEndAtMs: tasks.length === 0 ? undefined : actualEndAtMs,
      varianceMs:
        actualEndAtMs === undefined || tasks.length === 0 ? undefined : actualEndAtMs - plannedEndAtMs,
    },
    late: tasks
      .filter((t) => t.lateMs !== undefined && t.lateMs > 0 && t.status === 'succeeded')
      .sort((a, b) => (b.lateMs ?? 0) - (a.lateMs ?? 0)),
  };
}
