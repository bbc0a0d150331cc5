import { TminusError } from '../core/tminus-error.js';
import type { Decisions } from './scheduler.js';

const shape = (d: Decisions): string =>
  JSON.stringify({ events: d.events, starts: d.starts, checks: d.checks, wakeAtMs: d.wakeAtMs ?? null });

/**
 * For `checkReusedDecisions` (tests, simulations): the decision the executor's loop reused from its last
 * append must be the one deciding again gives; `INTERNAL` naming both when it is not.
 */
export function assertSameDecision(reused: Decisions, fresh: Decisions, seq: number): void {
  const a = shape(reused);
  const b = shape(fresh);
  if (a !== b) {
    throw new TminusError(
      'INTERNAL',
      `the decision reused at event #${seq} differs from deciding again: ${a} against ${b}`,
    );
  }
}
