import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { ClaimedStep, LeaseHolder, RunStore, StepClaims } from '../store/store.js';
import { Redactor } from './redactor.js';
import type { SessionContext } from './run-session.js';
import { RunSession } from './run-session.js';
import { ScaledClock } from './scaled-clock.js';
import { executeStep } from './step-execution.js';
import { PollDoze } from './poll-doze.js';
import { SystemClock, realSleep } from './system-clock.js';

export interface StepClaimerOptions {
  readonly store: RunStore & StepClaims;
  readonly ctx: SessionContext;
  readonly logger: Logger;
  readonly holder: LeaseHolder;
  /** How long a step claim lasts without renewal (renewed every third of it). */
  readonly leaseTtlMs: number;
  /** Real milliseconds between looks for offered steps without a hint. */
  readonly pollMs: number;
  /** Steps executed at once. */
  readonly maxSteps: number;
  /** A step's result was recorded in this run (its driver, if in this process, can look at once). */
  readonly recorded?: (runId: string) => void;
}

/**
 * A worker's claiming loop: claims steps that the drivers of runs offered (any run, any driver), executes
 * each exactly as its driver would (`executeStep`: same actions, timeouts, secrets and redaction), renews
 * the claim while it runs, and records the result fenced on the claim — a worker that was paused past its
 * step lease finds its result refused (kept as `append.rejected`), never applied.
 */
export class StepClaimer {
  readonly #o: StepClaimerOptions;
  readonly #sessions = new Map<string, Promise<RunSession>>();
  readonly #running = new Map<string, AbortController>();
  readonly #doze: PollDoze;

  constructor(options: StepClaimerOptions) {
    this.#o = options;
    this.#doze = new PollDoze(options.pollMs);
  }

  /** Look for offered steps now rather than at the next poll. */
  poke(): void {
    this.#doze.poke();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, logger } = this.#o;
    const stopAll = () => {
      for (const c of this.#running.values()) c.abort(new TminusError('ABORTED', 'the worker stopped'));
      this.poke();
    };
    signal.addEventListener('abort', stopAll, { once: true });
    let storeDown = false;
    try {
      while (!signal.aborted) {
        try {
          // A run is read (its journal, its plan) before any of its steps is claimed: reading a large one
          // takes a while, and a claim's lease runs from the moment it is taken.
          for (const [runId, session] of this.#sessions) {
            void session.then(
              (s) => s.state.status === 'ended' && this.#sessions.delete(runId),
              () => undefined,
            );
          }
          if (this.#running.size < this.#o.maxSteps) {
            for (const runId of await store.runsWithOfferedSteps(8)) {
              if (!this.#sessions.has(runId)) await this.#session(runId).catch(() => undefined);
            }
          }
          while (this.#running.size < this.#o.maxSteps && !signal.aborted) {
            const claim = await store.claimStep(this.#o.holder, {
              nowMs: this.#o.ctx.realNow(),
              ttlMs: this.#o.leaseTtlMs,
            });
            if (!claim) break;
            this.#execute(claim, signal);
          }
          storeDown = false;
        } catch (error) {
          if (error instanceof TminusError && error.code !== 'STORE_UNUSABLE') throw error;
          if (!storeDown) logger.warn(`cannot claim steps, retrying: ${String(error)}`);
          storeDown = true;
        }
        await this.#doze.wait(signal);
      }
    } finally {
      signal.removeEventListener('abort', stopAll);
      stopAll();
    }
  }

  /** The run a claimed step belongs to, read once and then kept up to date. */
  async #session(runId: string): Promise<RunSession> {
    let session = this.#sessions.get(runId);
    if (!session) {
      session = RunSession.open(this.#o.store, { runId }, this.#o.ctx);
      this.#sessions.set(runId, session);
      session.catch(() => this.#sessions.delete(runId));
    }
    const s = await session;
    await s.refresh();
    return s;
  }

  #execute(claim: ClaimedStep, stopped: AbortSignal): void {
    const key = `${claim.runId}/${claim.stepId}#${claim.attempt}`;
    const controller = new AbortController();
    this.#running.set(key, controller);
    const { store, logger } = this.#o;
    const what = `run ${claim.runId}: step ${claim.stepId} (attempt ${claim.attempt})`;
    void (async () => {
      const heartbeat = new AbortController();
      const renewing = this.#renew(claim, heartbeat.signal, controller, what);
      try {
        const session = await this.#session(claim.runId);
        const state = session.state;
        const s = state.steps[claim.stepId];
        if (state.status === 'ended' || s?.status !== 'running' || s.attempt !== claim.attempt) {
          await store.dropStepClaim(claim);
          if (state.status === 'ended') this.#sessions.delete(claim.runId);
          return;
        }
        if (controller.signal.aborted) return; // taken over before it started here: nothing ran
        logger.info(`${what}: executing here (step epoch ${claim.epoch})`);
        const redactor = new Redactor();
        const live = state.mode === 'live';
        // As the run's driver: a live run's clock is the wall clock; a rehearsal's follows its anchor.
        const clock: Clock = live
          ? new SystemClock()
          : new ScaledClock(state.clockAnchor, this.#o.ctx.realNow);
        const data = await executeStep({
          plan: session.plan,
          state,
          actions: this.#o.ctx.actions,
          clock,
          timeoutClock: new SystemClock(),
          logger,
          redactor,
          secrets: session.secrets(),
          signal: controller.signal,
          stepId: claim.stepId,
          attempt: claim.attempt,
        });
        // A worker told to stop writes nothing more (as a crash): its claim runs out and the step is taken over.
        if (stopped.aborted) return;
        // The claim is renewed until the result is recorded: a slow store must not look like a dead worker.
        for (;;) {
          try {
            const recorded = await session.recordStepResult(claim, data, redactor);
            if (recorded === 'rejected') {
              logger.error(`${what}: taken over by another worker; its result was recorded as rejected`);
            } else if (recorded === 'recorded') this.#o.recorded?.(claim.runId);
            break;
          } catch (error) {
            // Other writers kept appending first (many workers record results of one run at once), or the
            // store is unreachable: try again, the claim still renewed, rather than let the step be taken over.
            const conflict = error instanceof TminusError && error.code === 'STORE_CONFLICT';
            if ((error instanceof TminusError && !conflict) || stopped.aborted) throw error;
            if (!conflict) logger.warn(`${what}: cannot record the result yet, retrying: ${String(error)}`);
            await realSleep(conflict ? Math.random() * this.#o.pollMs : this.#o.pollMs, stopped).catch(
              () => undefined,
            );
          }
        }
      } catch (error) {
        logger.error(`${what}: ${coerceError(error).message}`);
      } finally {
        heartbeat.abort();
        await renewing;
        this.#running.delete(key);
        this.poke();
      }
    })();
  }

  /** Renews the claim every third of its lease until `signal` aborts; aborts the action if it was taken over. */
  async #renew(
    claim: ClaimedStep,
    signal: AbortSignal,
    action: AbortController,
    what: string,
  ): Promise<void> {
    const { store, leaseTtlMs, logger } = this.#o;
    for (;;) {
      try {
        await realSleep(leaseTtlMs / 3, signal);
      } catch {
        return;
      }
      let renewed: boolean;
      try {
        renewed = await store.renewStepClaim(claim, this.#o.ctx.realNow(), leaseTtlMs);
      } catch (error) {
        logger.warn(`${what}: could not renew the step claim: ${String(error)}`);
        continue;
      }
      if (!renewed) {
        logger.error(`${what}: lost its step claim (another worker took the step over); stopping it`);
        action.abort(new TminusError('LEASE_LOST', `${what} was taken over by another worker`));
        return;
      }
    }
  }
}
