import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { TminusError } from '../core/tminus-error.js';
import type { LeaseGrant, LeaseHolder, RunStore } from '../store/store.js';

export interface LeaseOptions {
  readonly holder: LeaseHolder;
  /** Real time: a lease is about processes, whatever the run's clock does. */
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly holderIsDead?: (holder: LeaseHolder) => boolean;
  /** Already granted (a worker claimed the run): the executor drives with it rather than asking again. */
  readonly granted?: LeaseGrant;
  /**
   * When `granted` was asked for (on `clock`): the first renewal is due a third of the lifetime after it, not
   * after the executor starts — opening a large run on a loaded machine can take longer than that.
   */
  readonly grantedAtMs?: number;
}

/** Takes the run's single-executor lease, or refuses naming the process that holds it. */
export async function acquireRunLease(
  store: RunStore,
  runId: string,
  lease: LeaseOptions,
): Promise<LeaseGrant> {
  if (lease.granted) return lease.granted;
  const r = await store.acquireLease(runId, lease.holder, {
    nowMs: lease.clock.now(),
    ttlMs: lease.ttlMs,
    ...(lease.holderIsDead ? { holderIsDead: lease.holderIsDead } : {}),
  });
  if (!r.ok) {
    throw new TminusError(
      'RUN_LOCKED',
      `run ${runId} is being driven by another tminus (pid ${r.holder.pid} on ${r.holder.host})`,
      { hint: 'act on it with complete/vote/... from here, or stop that process first' },
    );
  }
  return r;
}

/** Renews the lease every third of its lifetime until `signal` aborts; calls `onLost` if another took it. */
export async function keepRunLease(
  store: RunStore,
  runId: string,
  lease: LeaseOptions,
  signal: AbortSignal,
  onLost: () => void,
  logger?: Logger,
): Promise<void> {
  let lastMs = lease.grantedAtMs ?? lease.clock.now();
  for (;;) {
    const dueInMs = lastMs + lease.ttlMs / 3 - lease.clock.now();
    try {
      if (dueInMs > 0) await lease.clock.sleep(dueInMs, signal);
    } catch {
      return; // the executor stopped
    }
    if (signal.aborted) return;
    lastMs = lease.clock.now();
    let renewed: boolean;
    try {
      renewed = await store.renewLease(runId, lease.holder.id, lastMs, lease.ttlMs);
    } catch (error) {
      // The store is unreachable: try again. If the lease runs out meanwhile and another worker takes the
      // run, the next renewal says so, and fencing refuses anything written in between.
      logger?.warn(`could not renew the lease of run ${runId}: ${String(error)}`);
      continue;
    }
    if (!renewed) {
      onLost();
      return;
    }
  }
}
