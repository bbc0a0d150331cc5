import { z } from 'zod';
import { parseDuration } from '../../core/plan/duration.js';
import { formatDuration } from '../../core/plan/duration.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';

const waitParams = z.strictObject({
  duration: z.string().refine((s) => parseDuration(s) !== undefined, {
    error: "duration: expected e.g. '30s', '10m' or '1h30m'",
  }),
});
export type WaitParams = z.infer<typeof waitParams>;

/**
 * Waits for a duration on the run's clock (so a rehearsal at `--speed` waits proportionally less). Safe to
 * re-run after a crash. For "until T-…" or "until a condition holds", use a `type: wait` task instead.
 */
export const waitAction: ActionDefinition<WaitParams> = {
  type: 'wait',
  description: 'waits for a duration on the run clock',
  params: waitParams,
  idempotent: true,
  plan(_ctx, p) {
    return Promise.resolve({ summary: `would wait ${p.duration}`, changes: [] });
  },
  async execute(ctx, p) {
    const ms = parseDuration(p.duration) ?? 0;
    try {
      await ctx.clock.sleep(ms, ctx.signal);
    } catch (cause) {
      const reason: unknown = ctx.signal.reason;
      if (reason instanceof TminusError) throw reason;
      throw new TminusError('ABORTED', `wait of ${p.duration} interrupted`, { cause });
    }
    return { summary: `waited ${formatDuration(ms)}`, output: { waitedMs: ms } };
  },
};
