import type { Plan } from '../plan/plan.js';
import type { RunState } from '../run/run-state.js';

export interface StepBurn {
  readonly id: string;
  readonly budgetMs: number;
  /** Time used so far (to the end of the step, or to now while it runs); 0 before it starts. */
  readonly usedMs: number;
  readonly status: 'pending' | 'running' | 'done';
  readonly over: boolean;
}

export interface RollbackBurn {
  readonly steps: readonly StepBurn[];
  readonly budgetMs: number;
  readonly usedMs: number;
  /** When the rollback is expected to be complete: now + what is left of each remaining step's budget. */
  readonly expectedEndAtMs: number | undefined;
  /** Steps past their budget that have not been announced yet. */
  readonly newlyOver: readonly StepBurn[];
}

/**
 * Time used against each rollback step's budget (the seeds' "declare 5m, redirect 10m, verify 15m"). A step
 * is timed from its first start (or from when it began waiting for a person) to its end.
 */
export function rollbackBurn(
  plan: Plan,
  run: RunState,
  announced: readonly string[],
  nowMs: number,
): RollbackBurn {
  const steps = plan.rollback.steps.map((step): StepBurn => {
    const s = run.steps[step.id];
    const from = s?.firstStartedAtMs;
    const done = s?.status === 'succeeded' || s?.status === 'skipped';
    const usedMs = from === undefined ? 0 : (done ? (s?.endedAtMs ?? nowMs) : nowMs) - from;
    return {
      id: step.id,
      budgetMs: step.budgetMs,
      usedMs,
      status: done ? 'done' : from === undefined ? 'pending' : 'running',
      over: usedMs > step.budgetMs,
    };
  });
  const left = steps.reduce(
    (sum, s) => sum + (s.status === 'done' ? 0 : Math.max(0, s.budgetMs - s.usedMs)),
    0,
  );
  return {
    steps,
    budgetMs: steps.reduce((sum, s) => sum + s.budgetMs, 0),
    usedMs: steps.reduce((sum, s) => sum + s.usedMs, 0),
    expectedEndAtMs: run.rollback ? nowMs + left : undefined,
    newlyOver: steps.filter((s) => s.over && !announced.includes(s.id)),
  };
}

/** When the running rollback step goes over its budget, to wake up and announce it. */
export function nextOverBudgetAtMs(plan: Plan, run: RunState): number | undefined {
  for (const step of plan.rollback.steps) {
    const s = run.steps[step.id];
    if (s?.firstStartedAtMs !== undefined && s.status !== 'succeeded' && s.status !== 'skipped') {
      return s.firstStartedAtMs + step.budgetMs + 1;
    }
  }
  return undefined;
}
