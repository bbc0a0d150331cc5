import type { Clock } from '../core/clock.js';
import type { ClockAnchor } from './run-clock.js';
import { runTimeAt } from './run-clock.js';
import { realSleep } from './system-clock.js';

/**
 * Rehearsal time running `speed` times faster than real time from an anchor: run time
 * `atMs + (real − realMs) × speed`. Ordering is that of real time, only compressed, so a 28-hour timeline
 * at `--speed 5000` plays in about 20 seconds. The executor changes its pace (`setAnchor`) while people owe
 * something; sleeps in progress then end at the same run time, at the new pace.
 *
 * @example new ScaledClock({ atMs: Date.now(), realMs: Date.now(), speed: 100 })
 */
export class ScaledClock implements Clock {
  #anchor: ClockAnchor;
  readonly #realNow: () => number;
  readonly #realSleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Sleeps in progress, woken to recompute when the anchor changes. */
  readonly #sleepers = new Set<() => void>();

  /** `realNow` and `sleep` are real time (injected by tests, e.g. a test `ManualClock`'s). */
  constructor(
    anchor: ClockAnchor,
    realNow: () => number = Date.now,
    sleep: (ms: number, signal?: AbortSignal) => Promise<void> = realSleep,
  ) {
    this.#anchor = { ...anchor };
    this.#realNow = realNow;
    this.#realSleep = sleep;
  }

  get speed(): number {
    return this.#anchor.speed;
  }

  get anchor(): ClockAnchor {
    return this.#anchor;
  }

  now(): number {
    return runTimeAt(this.#anchor, this.#realNow());
  }

  /** The real time at which this clock shows (or showed) run time `atMs`, at its current pace. */
  realAt(atMs: number): number {
    return Math.round(this.#anchor.realMs + (atMs - this.#anchor.atMs) / this.#anchor.speed);
  }

  /**
   * Starts (again) from run time `atMs` now: a rehearsal's clock stands still while no executor drives it,
   * and the real time spent opening the store and taking the lease is not multiplied by the speed.
   */
  restartAt(atMs: number): void {
    this.setAnchor({ atMs, realMs: this.#realNow(), speed: this.#anchor.speed });
  }

  /** Runs from `anchor` on (a new pace, or the anchor a journal event recorded). */
  setAnchor(anchor: ClockAnchor): void {
    this.#anchor = { ...anchor };
    for (const wake of [...this.#sleepers]) wake();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const until = this.now() + ms;
    let left = ms;
    for (;;) {
      if (signal?.aborted) throw signal.reason as Error;
      const changed = new AbortController();
      const onAbort = () => changed.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      let repaced = false;
      const wake = () => {
        repaced = true;
        changed.abort();
      };
      this.#sleepers.add(wake);
      try {
        await this.#realSleep(left / this.#anchor.speed, changed.signal);
        return;
      } catch (error) {
        if (!repaced) throw error;
      } finally {
        this.#sleepers.delete(wake);
        signal?.removeEventListener('abort', onAbort);
      }
      // The pace changed mid-sleep: the rest of the sleep ends at the same run time, at the new pace.
      left = until - this.now();
      if (left <= 0) return;
    }
  }
}
