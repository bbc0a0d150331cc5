import { z } from 'zod';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ActionDefinition, ActionResult } from '../../src/engine/action.js';

const params = z.object({
  ms: z.number().optional(),
  fail: z.string().optional(),
  text: z.string().optional(),
});
export type TestParams = z.infer<typeof params>;

export interface Call {
  readonly stepId: string;
  readonly attempt: number;
  readonly at: number;
  readonly params: TestParams;
}

/**
 * A test action: records each call, sleeps `ms` on the run clock, and fails with code `fail` when given
 * (`fail: NOPE!` makes a non-retryable failure).
 */
export function testAction(
  type: string,
  idempotent: boolean,
  calls: Call[],
  behave?: (ctx: ActionContext, p: TestParams, n: number) => Promise<ActionResult> | ActionResult,
): ActionDefinition<never> {
  const def: ActionDefinition<TestParams> = {
    type,
    description: 'test action',
    params,
    idempotent,
    plan: (_ctx, p) =>
      Promise.resolve({ summary: `would do ${p.text ?? 'it'}`, changes: [{ target: 'x', to: 'y' }] }),
    async execute(ctx, p) {
      calls.push({ stepId: ctx.run.stepId, attempt: ctx.attempt, at: ctx.clock.now(), params: p });
      if (behave) return behave(ctx, p, calls.length);
      await ctx.clock.sleep(p.ms ?? 1000, ctx.signal);
      if (p.fail) {
        const nonRetryable = p.fail.endsWith('!');
        throw new TminusError(
          nonRetryable ? 'ACTION_FAILED' : (p.fail as 'ACTION_FAILED'),
          `failed: ${p.fail}`,
          {
            ...(nonRetryable ? { retryable: false } : {}),
          },
        );
      }
      return { summary: `did ${p.text ?? 'it'}` };
    },
  };
  return def as unknown as ActionDefinition<never>;
}
