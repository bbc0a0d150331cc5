import type { CommsMode } from '../../engine/action.js';

/** Where a channel delivers in a comms mode, or why it does not. */
export type CommsDecision<T> =
  { readonly send: true; readonly target: T } | { readonly send: false; readonly reason: string };

/**
 * Applies the run's comms mode to one channel: `off` sends nothing, `test` sends only to the channel's test
 * target (and nowhere if it has none), `on` sends to the live target. Local records (file, log) reach no
 * audience and are written in every mode.
 */
export function commsTarget<T>(
  mode: CommsMode,
  live: T | undefined,
  test: T | undefined,
  local = false,
): CommsDecision<T> {
  if (local && live !== undefined) return { send: true, target: live };
  if (mode === 'off') return { send: false, reason: 'comms are off for this run' };
  if (mode === 'test') {
    return test === undefined
      ? { send: false, reason: 'comms go to test targets in this run and this channel has none' }
      : { send: true, target: test };
  }
  return live === undefined ? { send: false, reason: 'no live target' } : { send: true, target: live };
}
