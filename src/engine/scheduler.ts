import type { Plan, Task } from '../core/plan/plan.js';
import { membersOf } from '../core/run/roles.js';
import { taskById } from '../core/plan/plan-index.js';
import type { Actor, RunEventData } from '../core/run/run-event.js';
import { AUTO, SYSTEM } from '../core/run/run-event.js';
import type { RunState, StepState } from '../core/run/run-state.js';
import { isDone, stepOf } from '../core/run/run-state.js';
import { formatOffset } from '../core/plan/offset.js';
import { inverseSkipReason } from './inverse-step.js';
import type { WatchClock } from '../core/go-live/go-live-decision.js';
import { watchDecisions } from '../core/go-live/go-live-decision.js';
import { followUpTasks, successVerdict } from '../core/go-live/go-live-success.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { rollbackVerifyStep } from '../core/rollback/rollback-verify.js';
import type { Frontier } from './frontier.js';
import { canMove, depsDone, frontierOf, movableIn, notDoneIn } from './frontier.js';

/** What the scheduler wants done next, decided from the plan, the folded state and the time only. */
export interface Decisions {
  /** Appended together, in one transaction, before anything else. */
  readonly events: readonly { readonly actor: Actor; readonly data: RunEventData }[];
  /** Steps whose action should start now (concurrency already applied). */
  readonly starts: readonly string[];
  /** Checklist items whose automated check has never run in this run. */
  readonly checks: readonly string[];
  /** The next moment something becomes due by time alone (phase, deadline, backoff, window), if any. */
  readonly wakeAtMs: number | undefined;
}

export interface SchedulerOptions {
  /** Most automated steps running at once; undefined: no limit. */
  readonly concurrency: number | undefined;
  /** The go-live watch (criteria, decisions, PONR, success); see `watchDecisions`. */
  readonly watch: { readonly state: WatchState; readonly clock: WatchClock };
}

/** People who may vote on a gate: members of its voter roles, each counted once. */
export const eligibleVoters = (plan: Plan, task: Task): string[] => [
  ...new Set((task.gate?.voters ?? []).flatMap((r) => membersOf(plan, r))),
];

/** Votes a gate needs to pass. */
export function requiredVotes(plan: Plan, task: Task): number {
  const n = eligibleVoters(plan, task).length;
  const q = task.gate?.quorum ?? 'all';
  return q === 'all' ? n : q === 'majority' ? Math.floor(n / 2) + 1 : q;
}

/** The requirements of a gate that are not yet met (`checklist`, `checklist.CATEGORY`, item or task ids). */
export function unmetRequirements(plan: Plan, state: RunState, requires: readonly string[]): string[] {
  const itemOk = (id: string) => state.checks[id]?.ok === true;
  const unmet: string[] = [];
  for (const r of requires) {
    if (r === 'checklist' || r.startsWith('checklist.')) {
      const category = r === 'checklist' ? undefined : r.slice('checklist.'.length);
      for (const item of plan.checklist) {
        if ((category === undefined || item.category === category) && !itemOk(item.id)) unmet.push(item.id);
      }
    } else if (plan.checklist.some((c) => c.id === r)) {
      if (!itemOk(r)) unmet.push(r);
    } else if (!isDone(state.steps[r])) {
      unmet.push(r);
    }
  }
  return [...new Set(unmet)];
}

class Collector {
  readonly events: { actor: Actor; data: RunEventData }[] = [];
  readonly starts: string[] = [];
  readonly checks: string[] = [];
  wakeAtMs: number | undefined;
  /** How many more automated steps may start in this pass (the plan's concurrency less those running). */
  slots = Infinity;
  #ended = false;

  /** A step to start, when a slot is free (a method, not a closure made per pass). */
  start(id: string): void {
    if (this.slots <= 0) return;
    this.slots -= 1;
    this.starts.push(id);
  }

  wake(at: number): void {
    if (this.wakeAtMs === undefined || at < this.wakeAtMs) this.wakeAtMs = at;
  }

  add(data: RunEventData, actor: Actor = SYSTEM): void {
    // Nothing follows the end of a run (a no-go gate ends it mid-pass).
    if (this.#ended) return;
    this.#ended = data.type === 'run.ended';
    this.events.push({ actor, data });
  }
}

/** Each phase's tasks in order, per plan (plans are never changed): a pass reads them without a lookup by id. */
const phaseTasks = new WeakMap<Plan, readonly (readonly Task[])[]>();

function tasksByPhase(plan: Plan): readonly (readonly Task[])[] {
  let tasks = phaseTasks.get(plan);
  if (tasks === undefined) {
    tasks = plan.phases.map((phase) => phase.taskIds.map((id) => taskById(plan, id)!));
    phaseTasks.set(plan, tasks);
  }
  return tasks;
}

/**
 * Decides the run's next moves. Pure: the same plan, state and time always give the same decisions, which is
 * what lets a resumed executor (or a simulation) pick up exactly where the journal says the run is. Timers
 * are not kept anywhere: phase times, deadlines and backoffs are recomputed from the journal every time.
 */
export function decide(plan: Plan, state: RunState, nowMs: number, options: SchedulerOptions): Decisions {
  const out = new Collector();
  if (state.status === 'ended') return out;
  const t0 = state.goLiveMs;

  if (state.autoApprove) {
    for (const item of plan.checklist) {
      if (!item.check && !state.checks[item.id]?.signed) {
        out.add(
          { type: 'check.signed', itemId: item.id, note: 'signed off automatically (rehearsal)' },
          AUTO,
        );
      }
    }
  }
  for (const item of plan.checklist) if (item.check && !state.checks[item.id]) out.checks.push(item.id);

  const watch = watchDecisions(plan, state, options.watch.state, options.watch.clock);
  for (const e of watch.events) out.add(e.data, e.actor);
  if (watch.wakeAtMs !== undefined) out.wake(watch.wakeAtMs);
  if (out.events.length > 0 || state.status === 'paused') return out;

  if (state.rollback) {
    rollback(plan, state, nowMs, out);
    return out;
  }

  if (options.concurrency !== undefined) {
    let running = 0;
    for (const id in state.steps) if (state.steps[id]!.status === 'running') running++;
    out.slots = options.concurrency - running;
  }

  // A live state built by `applyEvent`: only the tasks that can move are visited (see `Frontier`), not every
  // task not done yet. The same decisions as the walk of every task (a test compares them).
  const frontier = frontierOf(plan, state);
  let barrierDone = true;
  let allDone = true;
  for (const [p, phase] of plan.phases.entries()) {
    const atMs = t0 + phase.atMs;
    const timeReached = nowMs >= atMs || state.pulledPhases.includes(phase.id);
    if (!timeReached && barrierDone) out.wake(atMs);
    const open = barrierDone && timeReached;
    let phaseDone: boolean;
    if (frontier !== undefined) {
      phaseDone = notDoneIn(frontier, state, p) === 0;
      if (open) forwardFrontier(plan, state, frontier, p, nowMs, out);
    } else {
      phaseDone = true;
      for (const task of tasksByPhase(plan)[p]!) {
        // The step as it is, or undefined while nothing happened to it (pending): no default object made.
        const s = state.steps[task.id];
        if (s !== undefined && isDone(s)) continue;
        phaseDone = false;
        if (!open) continue;
        if (s === undefined || s.status === 'pending') {
          if (!depsDone(state, task)) continue;
        } else if (s.status === 'running') continue; // nothing to decide until it ends
        forwardTask(plan, state, task, s ?? stepOf(state, task.id), nowMs, out);
      }
    }
    barrierDone = barrierDone && phaseDone;
    // Later phases cannot open before this one is done: nothing to decide there yet.
    if (!barrierDone) {
      allDone = false;
      break;
    }
  }
  if (allDone) endWatch(plan, state, options.watch.state, out);
  return out;
}

/** Decides for the tasks of an open phase that can move, in plan order; drops those that no longer can. */
function forwardFrontier(
  plan: Plan,
  state: RunState,
  frontier: Frontier,
  p: number,
  nowMs: number,
  out: Collector,
): void {
  const ids = movableIn(frontier, state, p);
  /** The tasks that still can move, made once one is found that cannot. */
  let kept: number[] | undefined;
  for (let k = 0; k < ids.length; k++) {
    const task = frontier.shape.tasks[ids[k]!]!;
    const s = state.steps[task.id];
    if (!canMove(state, task, s)) {
      kept ??= ids.slice(0, k);
      continue;
    }
    kept?.push(ids[k]!);
    forwardTask(plan, state, task, s ?? stepOf(state, task.id), nowMs, out);
  }
  if (kept !== undefined) frontier.movable[p] = kept;
}

function forwardTask(
  plan: Plan,
  state: RunState,
  task: Task,
  s: StepState,
  nowMs: number,
  out: Collector,
): void {
  const id = task.id;
  if (s.status === 'retrying') {
    if ((s.retryAtMs ?? nowMs) > nowMs) {
      out.wake(s.retryAtMs!);
      return;
    }
    // Only steps with an action start; a person's or a clock's step waits again.
    if (task.kind === 'automated' || task.wait?.condition) out.start(id);
    else out.add({ type: 'step.waiting', stepId: id });
    return;
  }
  if (s.status !== 'pending' && s.status !== 'waiting') return;
  switch (task.kind) {
    case 'manual':
      if (state.autoApprove) {
        out.add({ type: 'step.completed', stepId: id, reason: 'completed automatically (rehearsal)' }, AUTO);
      } else if (s.status === 'pending') {
        out.add({ type: 'step.waiting', stepId: id });
      }
      return;
    case 'automated':
      if (s.status === 'pending') out.start(id);
      return;
    case 'gate':
      if (s.status === 'pending') out.add({ type: 'step.waiting', stepId: id });
      else gate(plan, state, task, nowMs, out);
      return;
    case 'wait': {
      const until = task.wait?.untilMs;
      if (task.wait?.condition) {
        if (s.status === 'pending') out.start(id);
        return;
      }
      const at = state.goLiveMs + (until ?? 0);
      if (nowMs >= at) {
        out.add({
          type: 'step.succeeded',
          stepId: id,
          attempt: 0,
          summary: `reached ${formatOffset(until ?? 0)}`,
        });
      } else {
        if (s.status === 'pending') out.add({ type: 'step.waiting', stepId: id });
        out.wake(at);
      }
      return;
    }
  }
}

function gate(plan: Plan, state: RunState, task: Task, nowMs: number, out: Collector): void {
  const spec = task.gate!;
  const votes = state.gates[task.id]?.votes ?? [];
  const eligible = eligibleVoters(plan, task);
  const counted = votes.filter((v) => eligible.includes(v.by));
  const go = counted.filter((v) => v.vote === 'go').length;
  const noGo = counted.length - go;
  const required = requiredVotes(plan, task);
  const unmet = unmetRequirements(plan, state, spec.requires);
  const decided = (outcome: 'go' | 'no-go', basis: 'votes' | 'timeout' | 'auto-approve', note?: string) => {
    const actor = basis === 'auto-approve' ? AUTO : SYSTEM;
    out.add({ type: 'gate.decided', gateId: task.id, outcome, basis, ...(note ? { note } : {}) }, actor);
    if (outcome === 'no-go') {
      out.add({ type: 'run.ended', outcome: 'no-go', reason: `gate '${task.id}': no-go (${note ?? basis})` });
    }
  };
  if (go >= required && unmet.length === 0) {
    return decided('go', 'votes', `${go} of ${eligible.length} voted go`);
  }
  if (go + (eligible.length - counted.length) < required) {
    const reasons = counted
      .filter((v) => v.vote === 'no-go')
      .map((v) => `${v.by}: ${v.reason ?? 'no reason'}`);
    return decided('no-go', 'votes', `${noGo} no-go — ${reasons.join('; ')}`);
  }
  if (state.autoApprove && unmet.length === 0) {
    return decided('go', 'auto-approve', 'rehearsal --auto-approve');
  }
  if (spec.deadlineMs !== undefined) {
    const at = state.goLiveMs + spec.deadlineMs;
    if (nowMs >= at) {
      if (spec.onTimeout === 'go' && unmet.length > 0) {
        return decided(
          'no-go',
          'timeout',
          `deadline passed with requirements incomplete: ${unmet.join(', ')}`,
        );
      }
      return decided(spec.onTimeout, 'timeout', `deadline ${formatOffset(spec.deadlineMs)} passed`);
    }
    out.wake(at);
  }
}

/**
 * Every task is done: the run completes once the go-live watch ends in success — every monitor finished
 * successful (recorded as a decision, with the evidence) or a person declared it.
 */
function endWatch(plan: Plan, state: RunState, watch: WatchState, out: Collector): void {
  // A dry run measures nothing (its actions are only described): its watch has nothing to wait for.
  if (plan.monitors.length > 0 && !watch.success && !state.dryRun) {
    const verdict = successVerdict(plan, watch, state.goLiveMs);
    if (!verdict.ready) return; // still watching, or a monitor failed: criteria and people decide
    out.add({
      type: 'success.declared',
      basis: 'monitors',
      reason: 'every task is done and every monitor finished successful',
      evidence: verdict.evidence,
    });
    return;
  }
  out.add({
    type: 'run.ended',
    outcome: 'completed',
    reason: watch.success ? `every task is done; success: ${watch.success.reason}` : 'every task is done',
  });
}

function rollback(plan: Plan, state: RunState, nowMs: number, out: Collector): void {
  // Steps run strictly in order: the next one starts only when the one before is done.
  for (const step of plan.rollback.steps) {
    const s = stepOf(state, step.id);
    if (isDone(s)) continue;
    if (s.status === 'retrying' && (s.retryAtMs ?? nowMs) > nowMs) {
      out.wake(s.retryAtMs!);
      return;
    }
    if (s.status === 'pending' || s.status === 'retrying') {
      const skip = inverseSkipReason(state, step);
      if (skip) out.add({ type: 'step.skipped', stepId: step.id, reason: skip });
      else if (step.call || step.inverseOf !== undefined) out.starts.push(step.id);
      else if (state.autoApprove) {
        out.add(
          { type: 'step.completed', stepId: step.id, reason: 'completed automatically (rehearsal)' },
          AUTO,
        );
      } else if (s.status === 'pending' || s.status === 'retrying') {
        out.add({ type: 'step.waiting', stepId: step.id });
      }
    } else if (s.status === 'waiting' && state.autoApprove) {
      out.add(
        { type: 'step.completed', stepId: step.id, reason: 'completed automatically (rehearsal)' },
        AUTO,
      );
    }
    return;
  }
  // Last, the check that the legacy side is healthy: held for a run lead when it fails (retry or skip it).
  const verify = rollbackVerifyStep(plan);
  if (verify) {
    const s = stepOf(state, verify.id);
    if (s.status === 'pending' || s.status === 'retrying') {
      out.starts.push(verify.id);
      return;
    }
    if (!isDone(s)) return;
  }
  if (plan.rollback.followUp.length > 0) {
    out.add({ type: 'followup.recorded', tasks: followUpTasks(plan, nowMs) });
  }
  out.add({ type: 'run.ended', outcome: 'rolled-back', reason: state.rollback?.reason ?? 'rolled back' });
}
