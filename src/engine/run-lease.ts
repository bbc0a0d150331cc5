import type { Clock } from '../core/clock.js';
import { TminusError } from '../core/tminus-error.js';
import type { LeaseHolder, RunStore } from '../store/store.js';

export interface LeaseOptions {
  readonly holder: LeaseHolder;
  /** Real time: a lease is about processes, whatever the run's clock does. */
  readonly clock: Clock;
  readonly ttlMs: number;
  readonly holderIsDead?: (holder: LeaseHolder) => boolean;
}

/** Takes the run's single-executor lease, or refuses naming the process that holds it. */
export async function acquireRunLease(store: RunStore, runId: string, lease: LeaseOptions): Promise<void> {
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
}

/** Renews the lease every third of its lifetime until `signal` aborts; calls `onLost` if another took it. */
export async function keepRunLease(
  store: RunStore,
  runId: string,
  lease: LeaseOptions,
  signal: AbortSignal,
  onLost: () => void,
): Promise<void> {
  for (;;) {
    try {
      await lease.clock.sleep(lease.ttlMs / 3, signal);
    } catch {
      return; // the executor stopped
    }
    if (!(await store.renewLease(runId, lease.holder.id, lease.clock.now(), lease.ttlMs))) {
      onLost();
      return;
    }
  }
}
