import type { Plan, Task } from '../plan/plan.js';
import type { RunEvent, RunMode } from '../run/run-event.js';
import { parseDuration } from '../plan/duration.js';
import { foldRun } from '../run/run-state.js';

/** How long a task took in one earlier run, as the forecast learns from it. */
export interface ObservedDuration {
  readonly taskId: string;
  readonly runId: string;
  readonly mode: RunMode;
  readonly durationMs: number;
}

/** The run clock's anchors: from `atMs` on, run time runs `speed` times faster than real time. */
interface Anchor {
  readonly atMs: number;
  readonly speed: number;
}

/**
 * Real (wall-clock) time between two run-clock times: in a rehearsal at `--speed N` a command that really took
 * 30 s shows as N × 30 s on the run clock. Each executor anchors the clock with its own speed.
 */
function realElapsed(anchors: readonly Anchor[], fromMs: number, toMs: number): number {
  let real = 0;
  for (let k = 0; k < anchors.length; k++) {
    const a = anchors[k]!;
    const segmentEnd = anchors[k + 1]?.atMs ?? Infinity;
    const lo = Math.max(fromMs, a.atMs);
    const hi = Math.min(toMs, segmentEnd);
    if (hi > lo) real += (hi - lo) / a.speed;
  }
  // Before the first anchor (nothing should start there) the clock is taken at face value.
  const first = anchors[0]?.atMs ?? Infinity;
  if (fromMs < first) real += Math.min(toMs, first) - fromMs;
  return real;
}

/**
 * The part of a task's work that runs on the run clock whatever the speed: a `wait` action's duration. The
 * rest (commands, people, the engine's own latency) runs in real time and shows `speed` times longer on a
 * compressed rehearsal's clock.
 */
function runClockPartMs(task: Task): number {
  if (task.call?.action !== 'wait') return 0;
  const d = task.call.with.duration;
  return typeof d === 'string' ? (parseDuration(d) ?? 0) : 0;
}

/** Why a step of an earlier run teaches nothing about how long the task takes, if it does not. */
function unusable(task: Task, dryRun: boolean): boolean {
  // A clock wait lasts until its time: where it sits in the timeline decides, not the work.
  if (task.kind === 'wait' && task.wait?.condition === undefined) return true;
  // A dry run records what an action would do, it does not do it.
  if (dryRun && (task.kind === 'automated' || task.kind === 'wait')) return true;
  return false;
}

/**
 * The durations one earlier run saw for the plan's tasks (matched by task id): first start to success,
 * retries included, in real time for work done by people and commands (undoing a rehearsal's `--speed`), except a
 * `wait` action's wait, which lasts as long at any speed; kept to the second. Left out: steps completed, signed or decided automatically (`--auto-approve`,
 * gate timeouts), skipped or abandoned steps, clock waits, and automated steps of dry runs.
 *
 * @example observedDurations(plan, await store.readEvents(runId))
 */
export function observedDurations(plan: Plan, events: readonly RunEvent[]): ObservedDuration[] {
  if (events.length === 0) return [];
  const state = foldRun(events);
  if (state.planName !== plan.name) return [];
  const anchors: Anchor[] = [];
  for (const e of events) {
    if (e.data.type === 'executor.started' || e.data.type === 'clock.paced') {
      anchors.push({ atMs: e.atMs, speed: e.data.speed });
    }
  }
  const out: ObservedDuration[] = [];
  for (const task of plan.tasks) {
    const s = state.steps[task.id];
    if (s?.status !== 'succeeded' || s.completion === 'auto') continue;
    if (s.firstStartedAtMs === undefined || s.endedAtMs === undefined) continue;
    if (unusable(task, state.dryRun)) continue;
    // Live-equivalent duration: the run-clock part as is, the rest in real time (to the second).
    const start = s.firstStartedAtMs;
    const clockPart = Math.min(runClockPartMs(task), s.endedAtMs - start);
    const realRest =
      realElapsed(anchors, start, s.endedAtMs) - realElapsed(anchors, start, start + clockPart);
    const durationMs = Math.round((clockPart + Math.max(0, realRest)) / 1000) * 1000;
    out.push({ taskId: task.id, runId: state.runId, mode: state.mode, durationMs });
  }
  return out;
}
