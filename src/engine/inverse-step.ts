import type { ActionCall, Plan, RollbackStep } from '../core/plan/plan.js';
import { taskById } from '../core/plan/plan-index.js';
import type { RunState } from '../core/run/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { InverseCall } from './action.js';
import type { ActionLookup } from './run-action.js';

/** What a rollback step `inverse: TASK` does now: run an undo call, or nothing (with why). */
export type InverseResolution =
  | { readonly kind: 'call'; readonly call: ActionCall; readonly note: string }
  | { readonly kind: 'nothing'; readonly reason: string };

/**
 * Why a rollback step `inverse: TASK` is skipped outright: the task never started, so there is nothing to
 * undo. Pure (the scheduler's question); undefined when the step must run.
 */
export function inverseSkipReason(state: RunState, step: RollbackStep): string | undefined {
  if (step.inverseOf === undefined) return undefined;
  const s = state.steps[step.inverseOf];
  if (s === undefined || s.starts === 0) return `task '${step.inverseOf}' never started: nothing to undo`;
  return undefined;
}

/**
 * The call that undoes what task `step.inverseOf` actually did in this run. A task that succeeded is
 * undone from the output it recorded (the action's `undo`: only what it changed, back to the values it
 * found); a task that failed, was interrupted or has no recorded output falls back to the action's declared
 * `inverse` of its parameters (a compare-and-swap on the new values, so it changes nothing that did not
 * change). Parameters are taken as written in the plan: secret references are resolved when the undo runs.
 */
export function resolveInverse(
  plan: Plan,
  state: RunState,
  actions: ActionLookup,
  step: RollbackStep,
): InverseResolution {
  const taskId = step.inverseOf ?? '';
  const task = taskById(plan, taskId);
  const call = task?.call;
  const action = call && actions.get(call.action);
  if (!call || !action) {
    throw new TminusError('INTERNAL', `rollback step '${step.id}': task '${taskId}' has no action to undo`);
  }
  const parsed = action.params.safeParse(call.with);
  if (!parsed.success) {
    throw new TminusError(
      'INVALID_PARAMS',
      `rollback step '${step.id}': the parameters of task '${taskId}' do not parse: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { retryable: false },
    );
  }
  const s = state.steps[taskId];
  const asCall = (c: InverseCall, note: string): InverseResolution => ({
    kind: 'call',
    call: { action: c.action, with: c.with, timeoutMs: step.timeoutMs },
    note,
  });
  if (s?.status === 'succeeded' && s.output && action.undo && !state.dryRun) {
    const undo = action.undo(parsed.data, s.output);
    if ('nothing' in undo) return { kind: 'nothing', reason: `task '${taskId}': ${undo.nothing}` };
    return asCall(undo, `undoes what task '${taskId}' recorded`);
  }
  const declared = action.inverse?.(parsed.data);
  if (declared) {
    const why = state.dryRun
      ? 'dry run'
      : s?.status === 'succeeded'
        ? 'its action records nothing to undo from'
        : `the task is ${s?.status ?? 'pending'}, with no recorded outcome`;
    return asCall(declared, `undoes task '${taskId}' with the inverse of its parameters (${why})`);
  }
  if (state.dryRun) {
    return { kind: 'nothing', reason: `dry run: would undo what task '${taskId}' records when it runs` };
  }
  throw new TminusError(
    'ACTION_FAILED',
    `rollback step '${step.id}': task '${taskId}' is ${s?.status ?? 'pending'} without a recorded outcome, and ${call.action} can only be undone from one: check what it changed and undo it by hand, then complete this step`,
    { retryable: false },
  );
}
