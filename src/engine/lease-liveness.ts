import { hostname } from 'node:os';
import type { LeaseHolder, RunStore } from '../store/store.js';

/** This process as a lease holder. */
export const thisProcess = (): LeaseHolder => ({
  id: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
  pid: process.pid,
  host: hostname(),
});

/** A lease held by a process of this host that no longer exists can be taken over at once. */
export function holderIsDead(holder: LeaseHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The process driving the run now (a lease not expired whose holder is alive), if any. */
export async function liveExecutor(
  store: RunStore,
  runId: string,
  realNowMs: number,
): Promise<LeaseHolder | undefined> {
  const lease = await store.leaseOf(runId);
  return lease !== undefined && lease.expiresAtMs > realNowMs && !holderIsDead(lease.holder)
    ? lease.holder
    : undefined;
}
