import { TminusError } from '../../../core/tminus-error.js';
import type { ActionContext } from '../../../engine/action.js';
import type { TrafficProvider } from './traffic-provider.js';

/**
 * Waits until the named servers take traffic (a server leaving maintenance is down until its first health
 * check passes), so that traffic is never sent to, nor taken away towards, a server that cannot answer.
 * Providers that cannot tell (nginx, ALB) return at once.
 */
export async function awaitServing(
  ctx: ActionContext,
  provider: TrafficProvider,
  servers: readonly string[],
  timeoutMs: number,
): Promise<void> {
  if (!provider.serving || servers.length === 0) return;
  const started = ctx.clock.now();
  for (;;) {
    const serving = await provider.serving(ctx.signal);
    const notYet = servers.filter((s) => !serving[s]);
    if (notYet.length === 0) return;
    if (ctx.clock.now() - started >= timeoutMs) {
      throw new TminusError(
        'TRAFFIC_NOT_APPLIED',
        `${provider.target}: ${notYet.join(', ')} not serving after ${Math.round(timeoutMs / 1000)} s (health check failing?)`,
        {
          hint: 'check the server and its health check; nothing was moved away from the servers still serving',
        },
      );
    }
    await ctx.clock.sleep(100, ctx.signal);
  }
}
