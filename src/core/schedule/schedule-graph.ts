import type { Plan, Task } from '../plan/plan.js';

/**
 * A plan's task graph compiled to flat arrays, so one schedule pass is a tight loop: the planned schedule,
 * the live schedule and every Monte Carlo sample of the forecast run the same `forwardPass` over it.
 * Task numbers are indexes into `plan.tasks`.
 */
export interface ScheduleGraph {
  readonly plan: Plan;
  readonly tasks: readonly Task[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Task numbers in an order where every dependency comes first: phase by phase, Kahn inside a phase. */
  readonly order: Int32Array;
  /** `order` positions where each phase starts; one more entry than phases (the end). */
  readonly phaseStart: Int32Array;
  readonly phaseAtMs: Float64Array;
  /** Explicit `after:` dependencies of task i: preds[predOffset[i] .. predOffset[i+1]). */
  readonly predOffset: Int32Array;
  readonly preds: Int32Array;
  /** Tasks that name task i in `after:`: succs[succOffset[i] .. succOffset[i+1]). */
  readonly succOffset: Int32Array;
  readonly succs: Int32Array;
  /**
   * How task i's length follows from its work (the estimate in the plan, a sampled duration in the forecast):
   * WORK, CAPPED (a gate never lasts past its deadline, when its timeout decides it) or UNTIL (a gate or clock
   * wait without an estimate lasts until its deadline or time).
   */
  readonly lengthRule: Uint8Array;
  /** The time (relative to T-0) a CAPPED or UNTIL task ends by. */
  readonly untilMs: Float64Array;
}

/** The task lasts as long as its work. */
const WORK = 0;
/** A gate with an estimate: its work, but never past its deadline. */
const CAPPED = 1;
/** A gate or clock wait without an estimate: until its deadline or time. */
const UNTIL = 2;

/** What decided a task's start when no task did. */
export const DECIDED_BY_PHASE_TIME = -1;
/** The live schedule: the task cannot start before now. */
export const DECIDED_BY_NOW = -2;
/** The live schedule: the task already started, its start is a fact. */
export const DECIDED_BY_FACT = -3;

/** The times of one pass, reusable across passes (the forecast runs thousands over the same buffers). */
export interface PassTimes {
  readonly start: Float64Array;
  readonly finish: Float64Array;
  /** The task whose finish made task i start when it did, or one of the DECIDED_BY_* reasons. */
  readonly decider: Int32Array;
  readonly phaseReady: Float64Array;
  /** Start of the first phase. */
  startMs: number;
  /** When the last phase is done. */
  endMs: number;
  /** The task that finished last (the end of the critical path), -1 for a plan without tasks. */
  lastTask: number;
}

/** What one pass takes besides the graph: how long each task lasts, and for a live run what already happened. */
export interface PassInput {
  /** How long each task's work takes (the estimates, or one sample of the forecast); see `lengthRule`. */
  readonly work: Float64Array;
  /** Live runs: when task i really started (NaN while it has not). */
  readonly actualStart?: Float64Array;
  /** Live runs: when task i really finished (NaN while it has not). */
  readonly actualFinish?: Float64Array;
  /** Live runs: nothing that has not happened yet happens before now. */
  readonly notBeforeMs?: number;
  /** Phases let start before their time (`tminus pull`): only the phase before holds them back. */
  readonly pulledPhases?: ReadonlySet<number>;
}

/** Whether a task's length is set by the clock alone (a gate or wait with no estimate), not by work. */
export const isClockBound = (task: Task): boolean =>
  task.estimateDefaulted &&
  ((task.kind === 'gate' && task.gate?.deadlineMs !== undefined) ||
    (task.kind === 'wait' && task.wait?.untilMs !== undefined));

/** Compiles a valid plan's graph once; passes over it allocate nothing. */
export function compileGraph(plan: Plan): ScheduleGraph {
  const tasks = plan.tasks;
  const indexOf = new Map(tasks.map((t, i) => [t.id, i]));
  const predOffset = new Int32Array(tasks.length + 1);
  const succCount = new Int32Array(tasks.length);
  const predList: number[] = [];
  tasks.forEach((t, i) => {
    predOffset[i] = predList.length;
    for (const d of t.after) {
      const j = indexOf.get(d);
      if (j === undefined) continue;
      predList.push(j);
      succCount[j]! += 1;
    }
  });
  predOffset[tasks.length] = predList.length;
  const succOffset = new Int32Array(tasks.length + 1);
  for (let i = 0; i < tasks.length; i++) succOffset[i + 1] = succOffset[i]! + succCount[i]!;
  const succs = new Int32Array(predList.length);
  const fill = succOffset.slice(0, tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    for (let k = predOffset[i]!; k < predOffset[i + 1]!; k++) succs[fill[predList[k]!]!++] = i;
  }

  // Phase by phase, then Kahn's algorithm over the dependencies inside the phase.
  const order = new Int32Array(tasks.length);
  const phaseStart = new Int32Array(plan.phases.length + 1);
  const pending = new Int32Array(tasks.length);
  let n = 0;
  for (const phase of plan.phases) {
    phaseStart[phase.index] = n;
    const members = phase.taskIds.map((id) => indexOf.get(id)!);
    for (const i of members) {
      for (let k = predOffset[i]!; k < predOffset[i + 1]!; k++) {
        if (tasks[predList[k]!]!.phaseIndex === phase.index) pending[i]! += 1;
      }
    }
    const first = n;
    for (const i of members) if (pending[i] === 0) order[n++] = i;
    for (let q = first; q < n; q++) {
      const i = order[q]!;
      for (let k = succOffset[i]!; k < succOffset[i + 1]!; k++) {
        const next = succs[k]!;
        if (tasks[next]!.phaseIndex !== phase.index) continue;
        pending[next]! -= 1;
        if (pending[next] === 0) order[n++] = next;
      }
    }
  }
  phaseStart[plan.phases.length] = n;
  const lengthRule = new Uint8Array(tasks.length);
  const untilMs = new Float64Array(tasks.length);
  tasks.forEach((task, i) => {
    if (task.kind === 'gate' && task.gate?.deadlineMs !== undefined) {
      lengthRule[i] = task.estimateDefaulted ? UNTIL : CAPPED;
      untilMs[i] = task.gate.deadlineMs;
    } else if (task.kind === 'wait' && task.estimateDefaulted && task.wait?.untilMs !== undefined) {
      lengthRule[i] = UNTIL;
      untilMs[i] = task.wait.untilMs;
    }
  });
  return {
    plan,
    tasks,
    indexOf,
    order: order.subarray(0, n),
    phaseStart,
    phaseAtMs: Float64Array.from(plan.phases.map((p) => p.atMs)),
    predOffset,
    preds: Int32Array.from(predList),
    succOffset,
    succs,
    lengthRule,
    untilMs,
  };
}

/** The plan's estimates as pass input: the planned schedule's work. */
export const estimatesOf = (graph: ScheduleGraph): Float64Array =>
  Float64Array.from(graph.tasks, (t) => t.estimateMs);

export function newPassTimes(graph: ScheduleGraph): PassTimes {
  const n = graph.tasks.length;
  return {
    start: new Float64Array(n),
    finish: new Float64Array(n),
    decider: new Int32Array(n),
    phaseReady: new Float64Array(graph.phaseAtMs.length),
    startMs: 0,
    endMs: 0,
    lastTask: -1,
  };
}

/**
 * The forward pass: every task starts at the latest of its phase's readiness (the phase's time and the end of
 * the phase before) and its dependencies' finishes — and, in a live run, not before now unless it already
 * started. Fills `times` and returns it.
 */
export function forwardPass(graph: ScheduleGraph, input: PassInput, times = newPassTimes(graph)): PassTimes {
  const { order, phaseStart, phaseAtMs, predOffset, preds, lengthRule, untilMs } = graph;
  const { start, finish, decider, phaseReady } = times;
  const actualStart = input.actualStart;
  const actualFinish = input.actualFinish;
  const notBefore = input.notBeforeMs ?? -Infinity;
  const work = input.work;
  let previousDone = -Infinity;
  let previousLast = DECIDED_BY_PHASE_TIME;
  let lastTask = -1;
  for (let p = 0; p < phaseAtMs.length; p++) {
    const pulled = input.pulledPhases?.has(p) === true && previousDone > -Infinity;
    const at = pulled ? -Infinity : phaseAtMs[p]!;
    const ready = Math.max(at, previousDone);
    const readyDecider = previousDone >= at ? previousLast : DECIDED_BY_PHASE_TIME;
    phaseReady[p] = ready;
    let done = ready;
    let doneBy = readyDecider;
    for (let q = phaseStart[p]!; q < phaseStart[p + 1]!; q++) {
      const i = order[q]!;
      let s: number;
      let by: number;
      const started = actualStart === undefined ? NaN : actualStart[i]!;
      if (started === started) {
        s = started;
        by = DECIDED_BY_FACT;
      } else {
        s = ready;
        by = readyDecider;
        let explicit = false;
        for (let k = predOffset[i]!; k < predOffset[i + 1]!; k++) {
          const d = preds[k]!;
          const f = finish[d]!;
          if (f > s || (f === s && !explicit)) {
            s = f;
            by = d;
            explicit = true;
          }
        }
        if (notBefore > s) {
          s = notBefore;
          by = DECIDED_BY_NOW;
        }
      }
      const ended = actualFinish === undefined ? NaN : actualFinish[i]!;
      let f: number;
      if (ended === ended) f = ended;
      else {
        // Inlined: this loop runs once per task per forecast sample.
        const rule = lengthRule[i]!;
        let d = work[i]!;
        if (rule !== WORK) {
          const left = untilMs[i]! - s;
          const untilEnd = left > 0 ? left : 0;
          if (rule === UNTIL || untilEnd < d) d = untilEnd;
        }
        f = s + d;
        if (f < notBefore) f = notBefore;
      }
      start[i] = s;
      finish[i] = f;
      decider[i] = by;
      if (f >= done) {
        done = f;
        doneBy = i;
      }
      if (lastTask < 0 || f >= finish[lastTask]!) lastTask = i;
    }
    previousDone = done;
    previousLast = doneBy;
  }
  times.startMs = phaseAtMs.length === 0 ? 0 : phaseReady[0]!;
  times.endMs = phaseAtMs.length === 0 ? 0 : previousDone;
  times.lastTask = lastTask;
  return times;
}

/** The chain of tasks that decided the end, first to last: walks back from the last task through deciders. */
export function criticalChain(graph: ScheduleGraph, times: PassTimes): number[] {
  const path: number[] = [];
  // Bounded by the number of tasks: a plan with a dependency cycle (reported by validation, which still
  // schedules what it can) must not walk the deciders forever.
  for (let i = times.lastTask; i >= 0 && path.length < times.decider.length; i = times.decider[i]!) {
    path.push(i);
  }
  return path.reverse();
}

/**
 * The backward pass: the latest each task may finish without moving the end, bounded by its explicit
 * dependents' latest starts and by the next phase's latest readiness. Returns latest finishes.
 */
export function latestFinishes(graph: ScheduleGraph, times: PassTimes): Float64Array {
  const { order, tasks, succOffset, succs } = graph;
  const phases = graph.phaseAtMs.length;
  const latestFinish = new Float64Array(tasks.length);
  const latestReady = new Float64Array(phases).fill(Infinity);
  let barrier = times.endMs;
  let currentPhase = phases;
  for (let q = order.length - 1; q >= 0; q--) {
    const i = order[q]!;
    const phase = tasks[i]!.phaseIndex;
    while (currentPhase > phase) {
      // Entering an earlier phase: the barrier becomes the latest readiness of the nearest later phase with tasks.
      const later = latestReady[currentPhase] ?? Infinity;
      if (currentPhase < phases && later !== Infinity) barrier = later;
      currentPhase -= 1;
    }
    let lf = barrier;
    for (let k = succOffset[i]!; k < succOffset[i + 1]!; k++) {
      const j = succs[k]!;
      const ls = latestFinish[j]! - (times.finish[j]! - times.start[j]!);
      if (ls < lf) lf = ls;
    }
    latestFinish[i] = lf;
    const ls = lf - (times.finish[i]! - times.start[i]!);
    if (ls < latestReady[phase]!) latestReady[phase] = ls;
  }
  return latestFinish;
}
