import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ActionCall, Plan, RetryPolicy, RollbackStep } from '../core/plan/plan.js';
import { taskById } from '../core/plan/plan-index.js';
import { ROLLBACK_VERIFY_ID, rollbackVerifyStep } from '../core/rollback/rollback-verify.js';
import type { RunEventData } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import type { TminusError } from '../core/tminus-error.js';
import { TminusError as Failure, coerceError } from '../core/tminus-error.js';
import { resolveInverse } from './inverse-step.js';
import { pollUntilTrue } from './poll-condition.js';
import type { Redactor } from './redactor.js';
import type { ActionLookup, ActionRunInput } from './run-action.js';
import { runAction } from './run-action.js';
import type { SecretSources } from './secret-resolver.js';

/** Everything needed to execute one started step, wherever it executes (the driver, or a claiming worker). */
export interface StepExecutionInput {
  readonly plan: Plan;
  /** The run's state (read for the step's inverse, the run's mode, comms and T-0). */
  readonly state: RunState;
  readonly actions: ActionLookup;
  /** The run's clock: retry times and budgets are run time. */
  readonly clock: Clock;
  /** The clock action timeouts are measured on (default: `clock`). */
  readonly timeoutClock?: Clock;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly secrets: SecretSources;
  readonly signal: AbortSignal;
  readonly stepId: string;
  readonly attempt: number;
}

/** A rollback step of the plan, or the final `rollback.verify` check. */
export function rollbackStepOf(plan: Plan, id: string): RollbackStep | undefined {
  return id === ROLLBACK_VERIFY_ID ? rollbackVerifyStep(plan) : plan.rollback.steps.find((s) => s.id === id);
}

/** The action call behind a step (for `inverse: TASK`, the undo of what the task did, or why there is none). */
function callOf(
  input: StepExecutionInput,
): { call: ActionCall; retry: RetryPolicy; title: string; poll?: number } | { nothing: string } {
  const { plan, stepId: id } = input;
  const task = taskById(plan, id);
  if (task?.wait?.condition) {
    const c = task.wait.condition;
    return { call: c, retry: task.retry, title: task.title, poll: c.intervalMs };
  }
  if (task?.call) return { call: task.call, retry: task.retry, title: task.title };
  const step = rollbackStepOf(plan, id);
  if (step?.call) return { call: step.call, retry: step.retry, title: step.title };
  if (step?.inverseOf !== undefined) {
    const undo = resolveInverse(plan, input.state, input.actions, step);
    return undo.kind === 'call'
      ? { call: undo.call, retry: step.retry, title: `${step.title} (${undo.note})` }
      : { nothing: undo.reason };
  }
  throw new Failure('INTERNAL', `step '${id}' has no action to run`);
}

/** The input of one action call of a run (a step's, a monitor's, a check's, an announcement's). */
export function actionInputOf(
  input: Omit<StepExecutionInput, 'stepId' | 'attempt'>,
  call: ActionCall,
  stepId: string,
  stepTitle: string,
  attempt: number,
): ActionRunInput {
  const { state } = input;
  return {
    plan: input.plan,
    call,
    actions: input.actions,
    clock: input.clock,
    timeoutClock: input.timeoutClock,
    logger: input.logger,
    redactor: input.redactor,
    secrets: input.secrets,
    signal: input.signal,
    attempt,
    dryRun: state.dryRun,
    run: {
      runId: state.runId,
      mode: state.mode,
      comms: state.comms,
      goLiveMs: state.goLiveMs,
      stepId,
      stepTitle,
    },
  };
}

function retryAt(clock: Clock, error: TminusError, retry: RetryPolicy, attempt: number): number | undefined {
  if (error.retryable === false || retry.nonRetryable.includes(error.code)) return undefined;
  if (error.code === 'ABORTED') return undefined;
  if (attempt >= retry.attempts) return undefined;
  const backoff = retry.backoffMs * retry.factor ** (attempt - 1);
  return clock.now() + Math.min(backoff, retry.maxBackoffMs ?? Infinity);
}

/**
 * Executes a started step's action (polling a wait condition, measuring a rollback step's budget) and
 * returns the result to record: `step.succeeded`, or `step.failed` (with a retry time when its policy allows).
 * Never throws nor rejects: a step that cannot run is a failed step. Not an `async` function, for the same
 * reason as `runAction`: no frame kept on the heap per step while its action runs.
 */
/** What executing a step records: its success or its failure, always for the step and attempt it was given. */
export type StepOutcome = Extract<RunEventData, { type: 'step.succeeded' } | { type: 'step.failed' }>;

export function executeStep(input: StepExecutionInput): Promise<StepOutcome> {
  const { stepId: id, attempt, clock, plan } = input;
  let target: ReturnType<typeof callOf>;
  try {
    target = callOf(input);
  } catch (error) {
    const e = coerceError(error);
    input.logger.error(e.message);
    return Promise.resolve({
      type: 'step.failed',
      stepId: id,
      attempt,
      error: { code: e.code, message: e.message },
    });
  }
  if ('nothing' in target) {
    return Promise.resolve({
      type: 'step.succeeded',
      stepId: id,
      attempt,
      summary: target.nothing,
      output: { undone: false },
    });
  }
  const { call, retry, title, poll } = target;
  try {
    // A rollback step's budget: its time used is measured (the run's clock read only for such a step).
    const budget = plan.rollback.steps.find((s) => s.id === id)?.budgetMs;
    const startedAt = budget === undefined ? 0 : clock.now();
    const run =
      poll === undefined
        ? runAction(actionInputOf(input, call, id, title, attempt))
        : pollUntilTrue(() => runAction(actionInputOf(input, call, id, title, attempt)), {
            intervalMs: poll,
            timeoutMs: taskById(plan, id)?.timeoutMs,
            clock,
            signal: input.signal,
          });
    // Inline, unnamed callbacks (see `runAction`).
    return run.then(
      (r): StepOutcome => {
        try {
          const output =
            budget === undefined
              ? r.output
              : { ...r.output, budgetMs: budget, usedMs: clock.now() - startedAt };
          return {
            type: 'step.succeeded',
            stepId: id,
            attempt,
            summary: r.summary,
            ...(output ? { output } : {}),
          };
        } catch (thrown) {
          return stepFailed(input, retry, thrown);
        }
      },
      (thrown: unknown) => stepFailed(input, retry, thrown),
    );
  } catch (thrown) {
    return Promise.resolve(stepFailed(input, retry, thrown));
  }
}

/** The `step.failed` to record for an error, with a retry time when the step's policy allows one. */
function stepFailed(input: StepExecutionInput, retry: RetryPolicy, thrown: unknown): StepOutcome {
  const { stepId, attempt } = input;
  const error = coerceError(thrown);
  const retryAtMs = retryAt(input.clock, error, retry, attempt);
  return {
    type: 'step.failed',
    stepId,
    attempt,
    error: { code: error.code, message: error.message },
    ...(retryAtMs === undefined ? {} : { retryAtMs }),
  };
}
