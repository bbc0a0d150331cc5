import type { RunEventData } from '../core/run/run-event.js';
import { coerceError } from '../core/tminus-error.js';
import type { ActionRunInput } from './run-action.js';
import { runAction } from './run-action.js';

export type CheckRecorded = Extract<RunEventData, { type: 'check.recorded' }>;

/**
 * Runs one automated readiness check (`input.call` is the item's `check`, `input.run.stepId` its id) and
 * says what to record: ok with the action's summary and output as evidence, or not ok with the error. The
 * executor (at the start of a run) and `tminus check` both use it, so both record the same evidence.
 */
export async function runReadinessCheck(input: ActionRunInput): Promise<CheckRecorded> {
  const itemId = input.run.stepId;
  try {
    const r = await runAction(input);
    return {
      type: 'check.recorded',
      itemId,
      ok: true,
      summary: r.summary,
      ...(r.output ? { evidence: r.output } : {}),
    };
  } catch (thrown) {
    const e = coerceError(thrown);
    return { type: 'check.recorded', itemId, ok: false, summary: `${e.code}: ${e.message}` };
  }
}
