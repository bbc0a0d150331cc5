import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { RunEvent, RunOutcome } from '../core/run/run-event.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { ClaimedRun, LeaseHolder, RunStore } from '../store/store.js';
import { hasAppendHints, hasStepClaims } from '../store/store.js';
import { holderIsDead, thisProcess } from './lease-liveness.js';
import { Redactor } from './redactor.js';
import type { RunExecutor } from './run-executor.js';
import type { SessionContext } from './run-session.js';
import { RunSession } from './run-session.js';
import { ScaledClock } from './scaled-clock.js';
import { StepClaimer } from './step-claimer.js';
import { PollDoze } from './poll-doze.js';
import { SystemClock } from './system-clock.js';

/** Steps a worker executes at once by default (see `WorkerOptions.maxSteps`). */
export const DEFAULT_MAX_STEPS = 16;

export interface WorkerOptions {
  readonly store: RunStore;
  readonly ctx: SessionContext;
  readonly logger: Logger;
  /** How long a lease lasts without renewal (renewed every third of it): how soon a dead worker's runs move. */
  readonly leaseTtlMs: number;
  /** Real milliseconds between looks at the store for runs to claim and for other processes' events. */
  readonly pollMs: number;
  /** Runs this worker drives at once (0: it only executes steps that drivers offer). */
  readonly maxRuns: number;
  /**
   * Steps this worker executes at once, of any run, on a store with step claims (PostgreSQL); 0: it only
   * drives runs. On other stores a run's steps execute in the process that drives it.
   */
  readonly maxSteps?: number;
  /** LISTEN for append hints (PostgreSQL); false for poll-only (a pooler in transaction mode). */
  readonly listen: boolean;
  /** Each event of a run this worker drives, as appended. */
  readonly onEvent?: (event: RunEvent) => void;
  readonly onRunEnded?: (runId: string, outcome: RunOutcome | 'stopped', error?: TminusError) => void;
}

/**
 * A worker: claims unfinished runs nobody drives (or whose driver's lease ran out) and drives each with an
 * executor holding a fenced lease — any number of workers can share one store. Runs until `signal` aborts;
 * then its executors stop writing at once (their leases run out and another worker takes over).
 */
export class RunWorker {
  readonly #o: WorkerOptions;
  readonly #driving = new Map<string, RunExecutor>();
  readonly #steps: StepClaimer | undefined;
  readonly #doze: PollDoze;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#doze = new PollDoze(options.pollMs);
    const { store } = options;
    this.#steps =
      hasStepClaims(store) && (options.maxSteps ?? DEFAULT_MAX_STEPS) > 0
        ? new StepClaimer({
            store,
            ctx: options.ctx,
            logger: options.logger,
            holder: thisProcess(),
            leaseTtlMs: options.leaseTtlMs,
            pollMs: options.pollMs,
            maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
            recorded: (runId) => this.#driving.get(runId)?.poke(),
          })
        : undefined;
  }

  /** Run ids this worker drives now. */
  get driving(): readonly string[] {
    return [...this.#driving.keys()];
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, logger } = this.#o;
    const stopListening =
      this.#o.listen && hasAppendHints(store)
        ? await store.listen(
            (runId, seq) => {
              this.#steps?.poke();
              const executor = this.#driving.get(runId);
              if (executor) {
                if (seq > executor.state.lastSeq) executor.poke();
              } else this.#poke();
            },
            (up, error) =>
              up
                ? logger.info('listening for append hints')
                : logger.warn(
                    `append hints lost (polling meanwhile): ${String(error ?? 'connection ended')}`,
                  ),
          )
        : undefined;
    const stopAll = () => {
      for (const executor of this.#driving.values()) executor.crash();
      this.#poke();
    };
    signal.addEventListener('abort', stopAll, { once: true });
    const steps = this.#steps?.run(signal).catch((error: unknown) => {
      logger.error(`stopped executing steps: ${coerceError(error).message}`);
    });
    let storeDown = false;
    try {
      while (!signal.aborted) {
        try {
          while (this.#driving.size < this.#o.maxRuns && !signal.aborted) {
            const holder = thisProcess();
            const claimedAtMs = this.#o.ctx.realNow();
            const claim = await store.claimRun(holder, { nowMs: claimedAtMs, ttlMs: this.#o.leaseTtlMs });
            if (!claim) break;
            await this.#drive(claim, holder, claimedAtMs);
          }
          if (storeDown) logger.info('the store is reachable again');
          storeDown = false;
        } catch (error) {
          if (error instanceof TminusError && error.code !== 'STORE_UNUSABLE') throw error;
          if (!storeDown) logger.warn(`cannot claim runs, retrying: ${String(error)}`);
          storeDown = true;
        }
        await this.#doze.wait(signal);
      }
    } finally {
      signal.removeEventListener('abort', stopAll);
      stopAll();
      await steps;
      await stopListening?.();
    }
  }

  async #drive(claim: ClaimedRun, holder: LeaseHolder, claimedAtMs: number): Promise<void> {
    const { store, ctx, logger } = this.#o;
    let executor: RunExecutor;
    try {
      const session = await RunSession.open(store, { runId: claim.runId }, ctx);
      const state = session.state;
      const realNow = ctx.realNow();
      const live = state.mode === 'live';
      // As `tminus resume`: a rehearsal's clock goes on from its last event; a live run's is the wall clock.
      const clock: Clock = live
        ? new SystemClock()
        : new ScaledClock({ atMs: state.lastAtMs, realMs: realNow, speed: state.speed }, ctx.realNow);
      executor = await session.openExecutor({
        clock,
        redactor: new Redactor(),
        logger: prefixed(logger, claim.runId),
        pollMs: this.#o.pollMs * (live ? 1 : state.speed),
        timeoutClock: new SystemClock(),
        lease: {
          holder,
          clock: new SystemClock(),
          ttlMs: this.#o.leaseTtlMs,
          holderIsDead,
          granted: claim,
          grantedAtMs: claimedAtMs,
        },
        clockAnchor: { realMs: realNow, speed: live ? 1 : state.speed },
        // On a store with step claims the run's steps go to whichever worker claims each (this one too).
        ...(hasStepClaims(store)
          ? {
              stepClaims: {
                store,
                checkEveryMs: this.#o.pollMs,
                offered: () => this.#steps?.poke(),
              },
            }
          : {}),
        ...(this.#o.onEvent ? { onEvent: this.#o.onEvent } : {}),
      });
    } catch (error) {
      // The run cannot be driven by this build (a plan it cannot load, actions it lacks): the claim is left
      // to run out, so another worker (perhaps a newer build) may try it then.
      logger.error(`run ${claim.runId}: not driven here: ${coerceError(error).message}`);
      return;
    }
    logger.info(
      `run ${claim.runId}: driving (epoch ${claim.epoch}${claim.replaced ? `, taken over from ${claim.replaced.holder.id}` : ''})`,
    );
    this.#driving.set(claim.runId, executor);
    void executor
      .run()
      .then(
        (outcome) => this.#o.onRunEnded?.(claim.runId, outcome),
        (error: unknown) => this.#o.onRunEnded?.(claim.runId, 'stopped', coerceError(error)),
      )
      .finally(() => {
        this.#driving.delete(claim.runId);
        this.#poke();
      });
  }

  #poke(): void {
    this.#doze.poke();
  }
}

const prefixed = (logger: Logger, runId: string): Logger => ({
  debug: (m, f) => logger.debug(`run ${runId}: ${m}`, f),
  info: (m, f) => logger.info(`run ${runId}: ${m}`, f),
  warn: (m, f) => logger.warn(`run ${runId}: ${m}`, f),
  error: (m, f) => logger.error(`run ${runId}: ${m}`, f),
});
