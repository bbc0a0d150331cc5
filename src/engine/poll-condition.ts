import type { Clock } from '../core/clock.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { ActionResult } from './action.js';

export interface PollOptions {
  readonly intervalMs: number;
  /** Give up when the next check would start after this long; undefined: poll until aborted. */
  readonly timeoutMs: number | undefined;
  readonly clock: Clock;
  readonly signal: AbortSignal;
}

/**
 * A wait condition: runs the check every `intervalMs` until it succeeds. Its failures mean "not yet", except a
 * non-retryable one (a wrong parameter will not fix itself) or the abort of the step.
 */
export async function pollUntilTrue(
  check: () => Promise<ActionResult>,
  o: PollOptions,
): Promise<ActionResult> {
  const deadline = o.timeoutMs === undefined ? undefined : o.clock.now() + o.timeoutMs;
  for (let polls = 1; ; polls++) {
    try {
      const r = await check();
      return { ...r, summary: `condition met after ${polls} check(s): ${r.summary}` };
    } catch (thrown) {
      const error = coerceError(thrown);
      if (error.retryable === false || o.signal.aborted) throw error;
      if (deadline !== undefined && o.clock.now() + o.intervalMs > deadline) {
        throw new TminusError('TIMEOUT', `condition not met within the timeout: ${error.message}`);
      }
      await o.clock.sleep(o.intervalMs, o.signal);
    }
  }
}
