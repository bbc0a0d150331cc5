import { TminusError } from '../core/tminus-error.js';
import type { ActionContext } from '../engine/action.js';

/**
 * Runs `work` with a deadline measured on the run's clock and tied to the run's abort signal. `work` gets a
 * signal that fires on whichever comes first, and must stop (close its socket, kill its child) when it
 * does. A timeout becomes a `TIMEOUT` error naming `what`; an abort of the run becomes `ABORTED`.
 *
 * @example
 * await withDeadline(ctx, 5_000, 'connect to db:5432', (signal) => connect(signal));
 */
export async function withDeadline<T>(
  ctx: ActionContext,
  timeoutMs: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ctx.signal.aborted) throw new TminusError('ABORTED', `${what}: the run was aborted before it started`);
  const controller = new AbortController();
  const timer = new AbortController();
  const timeoutError = new TminusError('TIMEOUT', `${what}: no answer within ${formatMs(timeoutMs)}`, {
    hint: 'raise `timeout` if the target is slow, or check that it is up and reachable',
  });
  const abortedError = new TminusError('ABORTED', `${what}: the run was aborted`);
  const onRunAbort = () => controller.abort(abortedError);
  ctx.signal.addEventListener('abort', onRunAbort, { once: true });
  // A network timeout is real time, even in a sped-up rehearsal.
  (ctx.realClock ?? ctx.clock).sleep(timeoutMs, timer.signal).then(
    () => controller.abort(timeoutError),
    () => undefined, // the timer was cancelled because the work finished first
  );
  try {
    return await Promise.race([
      work(controller.signal),
      new Promise<never>((_resolve, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
          once: true,
        });
      }),
    ]);
  } finally {
    timer.abort();
    ctx.signal.removeEventListener('abort', onRunAbort);
    if (!controller.signal.aborted) controller.abort(new TminusError('ABORTED', `${what}: finished`));
  }
}

/** `1500` → `1.5s`, `250` → `250ms`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
