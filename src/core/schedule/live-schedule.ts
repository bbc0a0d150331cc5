import type { Plan } from '../plan/plan.js';
import type { RunState, StepState } from '../run/run-state.js';
import { formatOffset } from '../plan/offset.js';
import type { PassInput, PassTimes, ScheduleGraph } from './schedule-graph.js';
import { compileGraph, criticalChain, forwardPass, latestFinishes, estimatesOf } from './schedule-graph.js';
import type { Schedule } from './schedule.js';
import { computeSchedule, rollbackNeedsMs } from './schedule.js';

/** Where a task is in a live run, as the schedule sees it. */
export type LiveTaskState = 'done' | 'skipped' | 'abandoned' | 'in-progress' | 'pending';

/** One task in the live schedule; times are milliseconds relative to the run's current T-0. */
export interface LiveTask {
  readonly id: string;
  readonly state: LiveTaskState;
  readonly plannedStartMs: number;
  readonly plannedFinishMs: number;
  /** Real start, or when it is expected to start. */
  readonly startMs: number;
  /** Real finish, or when it is expected to finish. */
  readonly finishMs: number;
  /** Finish against the plan: > 0 late, < 0 early. */
  readonly lateMs: number;
  /** Only for tasks not yet over: how long they may slip without moving the end. */
  readonly slackMs: number | undefined;
  /** A task in progress that has taken longer than planned: by how much. */
  readonly overrunMs: number;
}

export interface LiveSchedule {
  /** Now, relative to T-0. */
  readonly nowMs: number;
  readonly plannedEndMs: number;
  readonly expectedEndMs: number;
  /** Expected end against the planned end: > 0 late. */
  readonly slipMs: number;
  /** Tasks not yet over that decide the end, in order (starting with the ones in progress). */
  readonly criticalPath: readonly string[];
  readonly rollbackMs: number;
  readonly pointOfNoReturnMs: number | undefined;
  readonly pointOfNoReturnPassed: boolean;
  /** The expected end comes after the point of no return: a late failure could not be rolled back in time. */
  readonly endAfterPointOfNoReturn: boolean;
  readonly windowEndMs: number | undefined;
  readonly endsInsideWindow: boolean | undefined;
  /** Tasks finishing (or expected to) later than planned, latest first. */
  readonly late: readonly LiveTask[];
  readonly tasks: readonly LiveTask[];
}

/** What the live schedule needs besides plan, state and time; the forecast passes its own. */
export interface LiveScheduleOptions {
  readonly graph?: ScheduleGraph;
  readonly planned?: Schedule;
}

function taskState(s: StepState | undefined): LiveTaskState {
  switch (s?.status) {
    case undefined:
    case 'pending':
      return 'pending';
    case 'succeeded':
      return 'done';
    case 'skipped':
      return 'skipped';
    case 'abandoned':
      return 'abandoned';
    default:
      return 'in-progress';
  }
}

/**
 * The facts of a run as pass input: real starts and finishes relative to T-0, phases pulled forward, now.
 * Pending tasks then start no earlier than now, tasks in progress finish no earlier than now.
 */
export function liveFacts(
  graph: ScheduleGraph,
  state: RunState,
  nowEpochMs: number,
): Omit<PassInput, 'work'> & { readonly states: readonly LiveTaskState[] } {
  const n = graph.tasks.length;
  const actualStart = new Float64Array(n).fill(NaN);
  const actualFinish = new Float64Array(n).fill(NaN);
  const t0 = state.goLiveMs;
  const states = graph.tasks.map((task, i) => {
    const s = state.steps[task.id];
    const st = taskState(s);
    if (s !== undefined && st !== 'pending') {
      const started = s.firstStartedAtMs ?? s.startedAtMs ?? s.endedAtMs;
      if (started !== undefined) actualStart[i] = started - t0;
      if (st !== 'in-progress' && s.endedAtMs !== undefined) actualFinish[i] = s.endedAtMs - t0;
    }
    return st;
  });
  const pulledPhases = new Set(
    graph.plan.phases.filter((p) => state.pulledPhases.includes(p.id)).map((p) => p.index),
  );
  return { actualStart, actualFinish, notBeforeMs: nowEpochMs - t0, pulledPhases, states };
}

/**
 * The schedule recomputed from what really happened: tasks over keep their real times, tasks in progress
 * their real start and at least their estimate (never less than until now), pending tasks their estimates
 * from now on. Gives the expected end, the critical path, slack and the point of no return as of now, and
 * which tasks are late against the plan.
 *
 * @example
 * const live = computeLiveSchedule(plan, state, runNow);
 * live.expectedEndMs // relative to T-0
 */
export function computeLiveSchedule(
  plan: Plan,
  state: RunState,
  nowEpochMs: number,
  options: LiveScheduleOptions = {},
): LiveSchedule {
  const graph = options.graph ?? compileGraph(plan);
  const planned = options.planned ?? computeSchedule(plan, graph);
  const facts = liveFacts(graph, state, nowEpochMs);
  const times = forwardPass(graph, { ...facts, work: estimatesOf(graph) });
  return describeLive(plan, graph, planned, times, facts.states, facts.notBeforeMs ?? 0);
}

function describeLive(
  plan: Plan,
  graph: ScheduleGraph,
  planned: Schedule,
  times: PassTimes,
  states: readonly LiveTaskState[],
  nowMs: number,
): LiveSchedule {
  const latestFinish = latestFinishes(graph, times);
  const over = (st: LiveTaskState) => st === 'done' || st === 'skipped' || st === 'abandoned';
  const tasks: LiveTask[] = graph.tasks.map((task, i) => {
    const p = planned.tasks[i]!;
    const st = states[i]!;
    const startMs = times.start[i]!;
    const finishMs = times.finish[i]!;
    return {
      id: task.id,
      state: st,
      plannedStartMs: p.startMs,
      plannedFinishMs: p.finishMs,
      startMs,
      finishMs,
      lateMs: finishMs - p.finishMs,
      slackMs: over(st) ? undefined : Math.max(0, latestFinish[i]! - finishMs),
      overrunMs: st === 'in-progress' ? Math.max(0, nowMs - startMs - p.durationMs) : 0,
    };
  });
  const criticalPath = criticalChain(graph, times)
    .filter((i) => !over(states[i]!))
    .map((i) => graph.tasks[i]!.id);
  const rollbackMs = rollbackNeedsMs(plan);
  const pointOfNoReturnMs = plan.window === undefined ? undefined : plan.window.endMs - rollbackMs;
  const late = tasks
    .filter((t) => t.state !== 'abandoned' && t.state !== 'skipped' && t.lateMs > 0)
    .sort((a, b) => b.lateMs - a.lateMs);
  return {
    nowMs,
    plannedEndMs: planned.expectedEndMs,
    expectedEndMs: times.endMs,
    slipMs: times.endMs - planned.expectedEndMs,
    criticalPath,
    rollbackMs,
    pointOfNoReturnMs,
    pointOfNoReturnPassed: pointOfNoReturnMs !== undefined && nowMs > pointOfNoReturnMs,
    endAfterPointOfNoReturn: pointOfNoReturnMs !== undefined && times.endMs > pointOfNoReturnMs,
    windowEndMs: plan.window?.endMs,
    endsInsideWindow: plan.window === undefined ? undefined : times.endMs <= plan.window.endMs,
    late,
    tasks,
  };
}

/** The verdict on the window for a `window-exceeded` rollback criterion. */
export interface WindowVerdict {
  /** `passed`: the window is over and the run is not; `expected`: the live schedule ends after it. */
  readonly exceeded: 'passed' | 'expected' | false;
  /** Epoch milliseconds. */
  readonly windowEndMs: number;
  readonly expectedEndMs: number;
  readonly detail: string;
}

/**
 * Whether a run has exceeded its window, or is now expected to: for the go-live watch's `window-exceeded`
 * criterion. Undefined for a plan without a window. Times are epoch milliseconds.
 *
 * @example
 * const v = windowVerdict(plan, state, now);
 * if (v?.exceeded) fire('window', v.detail);
 */
export function windowVerdict(
  plan: Plan,
  state: RunState,
  nowEpochMs: number,
  options: LiveScheduleOptions = {},
): WindowVerdict | undefined {
  if (plan.window === undefined) return undefined;
  const windowEnd = plan.window.endMs;
  const t0 = state.goLiveMs;
  const live = computeLiveSchedule(plan, state, nowEpochMs, options);
  const base = { windowEndMs: t0 + windowEnd, expectedEndMs: t0 + live.expectedEndMs };
  if (live.nowMs >= windowEnd && state.status !== 'ended') {
    return { ...base, exceeded: 'passed', detail: `the window ended at ${formatOffset(windowEnd)}` };
  }
  if (live.expectedEndMs > windowEnd) {
    return {
      ...base,
      exceeded: 'expected',
      detail: `the expected end ${formatOffset(live.expectedEndMs)} is after the window ends (${formatOffset(windowEnd)})${live.criticalPath.length ? `; critical path now: ${live.criticalPath.join(' → ')}` : ''}`,
    };
  }
  return { ...base, exceeded: false, detail: `expected to end at ${formatOffset(live.expectedEndMs)}` };
}
