import type { Plan, RollbackStep } from '../plan/plan.js';

/**
 * The step id under which `rollback.verify` (the check that the legacy side is healthy, run after the last
 * rollback step) is recorded. Plan ids cannot contain a dot, so it never clashes with a step of the plan.
 */
export const ROLLBACK_VERIFY_ID = 'rollback.verify';

/**
 * `rollback.verify` as a step of the rollback procedure: run after the last step, held for a run lead when it
 * fails (retry it, or skip it with a reason), and ending the rollback when it passes. Undefined without one.
 */
export function rollbackVerifyStep(plan: Plan): RollbackStep | undefined {
  const call = plan.rollback.verify;
  if (!call) return undefined;
  return {
    id: ROLLBACK_VERIFY_ID,
    title: 'Verify the legacy side is healthy (rollback.verify)',
    owner: undefined,
    call,
    timeoutMs: call.timeoutMs,
    budgetMs: 0,
    retry: { attempts: 1, backoffMs: 0, factor: 2, maxBackoffMs: undefined, nonRetryable: [] },
    idempotent: true,
    inverseOf: undefined,
    undoes: [],
  };
}
