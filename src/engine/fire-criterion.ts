import { SYSTEM } from '../core/run-event.js';
import { foldRun } from '../core/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { RunStore } from '../store/store.js';

/**
 * The seam for rollback criteria judged outside the engine (monitors, a later issue): records that a
 * criterion fired, once, while the run is live. The executor then starts the rollback by itself when the
 * plan says `rollback.auto`, or after `decisionDeadline` if nobody decided; otherwise people see it in
 * `tminus status` and decide. Returns false when there was nothing to record.
 */
export async function fireCriterion(
  store: RunStore,
  runId: string,
  criterionId: string,
  detail: string,
  atMs: number,
): Promise<boolean> {
  for (;;) {
    const events = await store.readEvents(runId);
    if (events.length === 0) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    const state = foldRun(events);
    if (state.status === 'ended' || state.rollback || state.firedCriteria[criterionId]) return false;
    const r = await store.append(runId, state.lastSeq, [
      { atMs, actor: SYSTEM, data: { type: 'criterion.fired', criterionId, detail } },
    ]);
    if (r.ok) return true;
  }
}
