import { didYouMean } from '../did-you-mean.js';
import { formatOffset } from '../plan/offset.js';
import type { ChecklistItem, Plan, RollbackStep, Task } from '../plan/plan.js';
import { everyone, membersOf, requireRole, runControlRoles } from './roles.js';
import type { RunEventData, Vote } from './run-event.js';
import type { RunState } from './run-state.js';
import { isFinished, stepOf } from './run-state.js';
import { TminusError } from '../tminus-error.js';
import { computeSchedule } from '../schedule/schedule.js';
import { requireOverrideAfterPonr } from '../go-live/watch-commands.js';
import { ROLLBACK_VERIFY_ID, rollbackVerifyStep } from '../rollback/rollback-verify.js';

/** What a person can ask of a run. Each becomes events only after role and state checks pass. */
export type PersonCommand =
  | { readonly kind: 'complete'; readonly stepId: string; readonly reason?: string }
  | { readonly kind: 'fail'; readonly stepId: string; readonly reason?: string }
  | { readonly kind: 'skip'; readonly stepId: string; readonly reason?: string }
  | { readonly kind: 'retry'; readonly stepId: string; readonly reason?: string }
  | { readonly kind: 'vote'; readonly gateId: string; readonly vote: Vote; readonly reason?: string }
  | { readonly kind: 'sign'; readonly itemId: string; readonly note?: string }
  | { readonly kind: 'pause'; readonly reason?: string }
  | { readonly kind: 'unpause'; readonly reason?: string }
  | { readonly kind: 'abort'; readonly reason?: string }
  /** After the point of no return a rollback needs `override: true` (knowingly, with the reason). */
  | { readonly kind: 'rollback'; readonly reason?: string; readonly override?: boolean }
  | { readonly kind: 'rebaseline'; readonly goLiveMs: number; readonly reason?: string }
  | { readonly kind: 'pull'; readonly phaseId: string; readonly reason?: string };

/** A step of the plan by id: a task, a rollback step or a checklist item (they share one namespace). */
export type PlanStep =
  | { readonly kind: 'task'; readonly task: Task; readonly owner: string | undefined }
  | { readonly kind: 'rollback'; readonly step: RollbackStep; readonly owner: string | undefined }
  | { readonly kind: 'check'; readonly item: ChecklistItem; readonly owner: string };

export function findStep(plan: Plan, id: string): PlanStep | undefined {
  const task = plan.tasks.find((t) => t.id === id);
  if (task) return { kind: 'task', task, owner: task.owner };
  const step =
    id === ROLLBACK_VERIFY_ID ? rollbackVerifyStep(plan) : plan.rollback.steps.find((s) => s.id === id);
  if (step) return { kind: 'rollback', step, owner: step.owner };
  const item = plan.checklist.find((c) => c.id === id);
  if (item) return { kind: 'check', item, owner: item.owner };
  return undefined;
}

function unknownStep(plan: Plan, id: string, what = 'task or rollback step'): TminusError {
  const ids = [...plan.tasks.map((t) => t.id), ...plan.rollback.steps.map((s) => s.id)];
  const guess = didYouMean(id, ids);
  return new TminusError('UNKNOWN_STEP', `no ${what} '${id}' in plan '${plan.name}'`, {
    hint: guess ? `did you mean '${guess}'?` : `known: ${ids.slice(0, 12).join(', ')}`,
  });
}

const refuse = (message: string, hint?: string): TminusError =>
  new TminusError('REFUSED', message, hint === undefined ? {} : { hint });

/** Owner roles of a step; a step without an owner may be settled by anyone who controls the run. */
const ownerRoles = (plan: Plan, owner: string | undefined): string[] =>
  owner === undefined ? runControlRoles(plan) : [owner];

function stepCommand(
  plan: Plan,
  state: RunState,
  person: string,
  cmd: Extract<PersonCommand, { stepId: string }>,
): RunEventData[] {
  const found = findStep(plan, cmd.stepId);
  if (!found || found.kind === 'check') throw unknownStep(plan, cmd.stepId);
  const id = cmd.stepId;
  requireRole(plan, person, ownerRoles(plan, found.owner), `${cmd.kind} '${id}'`);
  if (found.kind === 'task' && state.rollback) {
    throw refuse(`the run is rolling back: '${id}' can no longer be changed`);
  }
  if (found.kind === 'task' && found.task.kind === 'gate') {
    throw refuse(`'${id}' is a gate: it is decided by votes`, `tminus vote ${id} go|no-go --as PERSON`);
  }
  const s = stepOf(state, id);
  const automated =
    found.kind === 'task'
      ? found.task.kind === 'automated'
      : found.step.call !== undefined || found.step.inverseOf !== undefined;
  const reason = cmd.reason?.trim() || undefined;
  const withReason = <T extends object>(e: T): T => (reason === undefined ? e : { ...e, reason });
  if (isFinished(s)) throw refuse(`'${id}' is already ${s.status}${s.by ? ` (by ${s.by})` : ''}`);
  switch (cmd.kind) {
    case 'complete':
      if (s.status === 'held' || (s.status === 'waiting' && !automated)) {
        return [withReason({ type: 'step.completed' as const, stepId: id })];
      }
      throw refuse(
        s.status === 'running'
          ? `'${id}' is running; it completes by itself`
          : `'${id}' is ${s.status}, not waiting for a person`,
      );
    case 'fail':
      if (s.status === 'waiting' || (s.status === 'held' && s.hold === 'outcome-unknown')) {
        return [withReason({ type: 'step.marked-failed' as const, stepId: id })];
      }
      throw refuse(`'${id}' is ${s.status}${s.hold ? ` (${s.hold})` : ''}: nothing to mark failed`);
    case 'skip':
      if (reason === undefined) {
        throw new TminusError('USAGE', `skipping '${id}' needs a reason`, { hint: '--reason "why"' });
      }
      if (s.status === 'running') throw refuse(`'${id}' is running; it cannot be skipped now`);
      return [{ type: 'step.skipped', stepId: id, reason }];
    case 'retry':
      if (s.status === 'held') return [withReason({ type: 'step.retried' as const, stepId: id })];
      throw refuse(`'${id}' is ${s.status}: only a held step can be retried`);
  }
}

function voteCommand(
  plan: Plan,
  state: RunState,
  person: string,
  cmd: Extract<PersonCommand, { kind: 'vote' }>,
  nowMs: number | undefined,
): RunEventData[] {
  const task = plan.tasks.find((t) => t.id === cmd.gateId);
  if (!task || task.kind !== 'gate' || !task.gate) {
    const gates = plan.tasks.filter((t) => t.kind === 'gate').map((t) => t.id);
    const guess = didYouMean(cmd.gateId, gates);
    throw new TminusError('UNKNOWN_STEP', `no gate '${cmd.gateId}' in plan '${plan.name}'`, {
      hint: guess ? `did you mean '${guess}'?` : `gates: ${gates.join(', ') || 'none'}`,
    });
  }
  requireRole(plan, person, task.gate.voters, `vote on '${task.id}'`);
  const g = state.gates[task.id];
  if (g?.outcome) throw refuse(`gate '${task.id}' is already decided: ${g.outcome}`);
  if (state.rollback) throw refuse('the run is rolling back: votes are closed');
  const deadline = task.gate.deadlineMs;
  if (deadline !== undefined && nowMs !== undefined && nowMs >= state.goLiveMs + deadline) {
    throw refuse(
      `voting on '${task.id}' closed at its deadline ${formatOffset(deadline)}; it takes its default outcome (${task.gate.onTimeout})`,
    );
  }
  // A person may change their vote until the gate closes; both votes stay in the journal, the latest counts.
  const earlier = g?.votes.find((v) => v.by === person);
  if (earlier?.vote === cmd.vote) {
    throw refuse(
      `${person} already voted ${earlier.vote} on '${task.id}'`,
      `to change it: tminus vote ${task.id} ${cmd.vote === 'go' ? 'no-go --reason "..."' : 'go'} --as ${person}`,
    );
  }
  const reason = cmd.reason?.trim() || undefined;
  if (cmd.vote === 'no-go' && reason === undefined) {
    throw new TminusError('USAGE', 'a no-go vote needs a reason', { hint: '--reason "what is not ready"' });
  }
  return [
    reason === undefined
      ? { type: 'gate.voted', gateId: task.id, vote: cmd.vote }
      : { type: 'gate.voted', gateId: task.id, vote: cmd.vote, reason },
  ];
}

/**
 * Turns a person's command into the events to append, or throws: `NOT_ALLOWED` when the person lacks the
 * role (the message names who holds it), `UNKNOWN_STEP` for an id the plan does not have, `REFUSED` when
 * the run's state does not allow it, `RUN_ENDED` once the run is over. Pure: callers append the events in
 * the same store transaction that read `state`, so two people acting at once cannot both win.
 */
export function decideCommand(
  plan: Plan,
  state: RunState,
  person: string,
  cmd: PersonCommand,
  /** The run's time now; when given, votes after a gate's deadline are refused. */
  nowMs?: number,
): RunEventData[] {
  if (!everyone(plan).includes(person) && person !== 'auto') {
    throw new TminusError('NOT_ALLOWED', `'${person}' is not a member of any role in plan '${plan.name}'`, {
      hint: `people in this plan: ${everyone(plan).join(', ')}`,
    });
  }
  if (state.status === 'ended') {
    throw new TminusError('RUN_ENDED', `run ${state.runId} has ended (${state.outcome ?? 'ended'})`);
  }
  const reason = cmd.kind === 'sign' || cmd.kind === 'vote' ? undefined : cmd.reason?.trim() || undefined;
  const control = (what: string) => requireRole(plan, person, runControlRoles(plan), what);
  switch (cmd.kind) {
    case 'complete':
    case 'fail':
    case 'skip':
    case 'retry':
      return stepCommand(plan, state, person, cmd);
    case 'vote':
      return voteCommand(plan, state, person, cmd, nowMs);
    case 'sign': {
      const item = plan.checklist.find((c) => c.id === cmd.itemId);
      if (!item) {
        const guess = didYouMean(
          cmd.itemId,
          plan.checklist.map((c) => c.id),
        );
        throw new TminusError('UNKNOWN_STEP', `no checklist item '${cmd.itemId}' in plan '${plan.name}'`, {
          hint: guess ? `did you mean '${guess}'?` : undefined,
        });
      }
      requireRole(plan, person, [item.owner], `sign off '${item.id}'`);
      if (item.check) throw refuse(`'${item.id}' is checked automatically: run \`tminus check\``);
      if (state.checks[item.id]?.signed) {
        throw refuse(`'${item.id}' is already signed off by ${state.checks[item.id]?.by}`);
      }
      return [
        cmd.note
          ? { type: 'check.signed', itemId: item.id, note: cmd.note }
          : { type: 'check.signed', itemId: item.id },
      ];
    }
    case 'pause':
      control('pause the run');
      if (state.status === 'paused') throw refuse('the run is already paused');
      return [reason ? { type: 'run.paused', reason } : { type: 'run.paused' }];
    case 'unpause':
      control('resume the run');
      if (state.status !== 'paused') throw refuse('the run is not paused');
      return [reason ? { type: 'run.unpaused', reason } : { type: 'run.unpaused' }];
    case 'abort':
      control('abort the run');
      if (reason === undefined) {
        throw new TminusError('USAGE', 'aborting a run needs a reason', {
          hint: '--reason "why the run stops"',
        });
      }
      return [{ type: 'run.ended', outcome: 'aborted', reason }];
    case 'rollback': {
      control('start a rollback');
      if (reason === undefined) {
        throw new TminusError('USAGE', 'a rollback needs a reason', { hint: '--reason "what went wrong"' });
      }
      if (state.rollback) throw refuse(`a rollback is already running (started by ${state.rollback.by})`);
      let override = false;
      if (nowMs !== undefined && plan.window) {
        const ponrAtMs = state.goLiveMs + plan.window.endMs - computeSchedule(plan).rollbackMs;
        requireOverrideAfterPonr(ponrAtMs, nowMs, cmd.override ?? false, state.goLiveMs);
        override = nowMs >= ponrAtMs;
      }
      return [{ type: 'rollback.started', reason, ...(override ? { override: true } : {}) }];
    }
    case 'rebaseline':
      control('rebaseline T-0');
      if (state.rollback) throw refuse('the run is rolling back: T-0 no longer moves');
      return [
        {
          type: 'run.rebaselined',
          goLiveMs: cmd.goLiveMs,
          previousGoLiveMs: state.goLiveMs,
          ...(reason ? { reason } : {}),
        },
      ];
    case 'pull': {
      control('pull a phase forward');
      const phase = plan.phases.find((p) => p.id === cmd.phaseId);
      if (!phase) {
        const guess = didYouMean(
          cmd.phaseId,
          plan.phases.map((p) => p.id),
        );
        throw new TminusError('UNKNOWN_STEP', `no phase '${cmd.phaseId}' in plan '${plan.name}'`, {
          hint: guess ? `did you mean '${guess}'?` : `phases: ${plan.phases.map((p) => p.id).join(', ')}`,
        });
      }
      if (state.pulledPhases.includes(phase.id)) {
        throw refuse(`phase '${phase.id}' is already pulled forward`);
      }
      return [{ type: 'phase.pulled', phaseId: phase.id, ...(reason ? { reason } : {}) }];
    }
  }
}

/** Who a step is waiting for, for status views: the members of its owner role. */
export const ownersOf = (plan: Plan, owner: string | undefined): readonly string[] =>
  owner === undefined ? [] : membersOf(plan, owner);
