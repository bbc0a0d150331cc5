import { SYSTEM } from '../core/run/run-event.js';
import { foldRun } from '../core/run/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { RunStore } from '../store/store.js';
import { appendDecided } from './append-decided.js';

/**
 * The seam for rollback criteria judged outside the engine (monitors, a later issue): records that a
 * criterion fired, once, while the run is live. The executor then starts the rollback by itself when the
 * plan says `rollback.auto`, or after `decisionDeadline` if nobody decided; otherwise people see it in
 * `tminus status` and decide. Returns false when there was nothing to record. Outside the engine, call it
 * through `RunSession.fireCriterion`.
 */
export async function fireCriterion(
  store: RunStore,
  runId: string,
  criterionId: string,
  detail: string,
  atMs: number,
  /** The wall time, in a compressed rehearsal (see `RunEventData.wallMs`). */
  wallMs?: number,
): Promise<boolean> {
  const appended = await appendDecided({
    store,
    runId,
    what: `firing criterion '${criterionId}'`,
    read: async () => {
      const events = await store.readEvents(runId);
      if (events.length === 0) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
      return foldRun(events);
    },
    decide: (s) =>
      s.status === 'ended' || s.rollback || s.firedCriteria[criterionId]
        ? undefined
        : [
            {
              atMs,
              actor: SYSTEM,
              data: {
                type: 'criterion.fired',
                criterionId,
                detail,
                ...(wallMs === undefined ? {} : { wallMs }),
              },
            },
          ],
  });
  return appended !== undefined;
}
