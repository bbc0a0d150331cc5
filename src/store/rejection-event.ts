import type { NewRunEvent } from '../core/run/run-event.js';
import { SYSTEM } from '../core/run/run-event.js';
import type { AppendFence } from './store.js';

/**
 * What a store appends instead of a fenced write whose holder lost the run's lease: the refused events, for
 * the record. Its time is never before the run's last event, so the journal's clock does not go back.
 */
export function rejectionEvent(
  fence: AppendFence,
  current: { readonly holder_id: string; readonly epoch: number | string } | undefined,
  refused: readonly NewRunEvent[],
  headAtMs: number,
  step?: { readonly stepId: string; readonly attempt: number },
): NewRunEvent {
  return {
    atMs: Math.max(headAtMs, ...refused.map((e) => e.atMs)),
    actor: SYSTEM,
    data: {
      type: 'append.rejected',
      holder: fence.holderId,
      epoch: fence.epoch,
      ...(current ? { current: { holder: current.holder_id, epoch: Number(current.epoch) } } : {}),
      refused: refused.map((e) => e.data),
      ...(step ? { step } : {}),
    },
  };
}
