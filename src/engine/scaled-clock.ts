import type { Clock } from '../core/clock.js';
import { runTimeAt } from './run-clock.js';
import { realSleep } from './system-clock.js';

/**
 * Rehearsal time running `speed` times faster than real time from an anchor: run time
 * `atMs + (real − realMs) × speed`. Ordering is that of real time, only compressed, so a 28-hour timeline
 * at `--speed 5000` plays in about 20 seconds.
 *
 * @example new ScaledClock({ atMs: Date.now(), realMs: Date.now(), speed: 100 })
 */
export class ScaledClock implements Clock {
  readonly speed: number;
  #atMs: number;
  #realMs: number;
  readonly #realNow: () => number;

  constructor(
    anchor: { readonly atMs: number; readonly realMs: number; readonly speed: number },
    realNow: () => number = Date.now,
  ) {
    this.speed = anchor.speed;
    this.#atMs = anchor.atMs;
    this.#realMs = anchor.realMs;
    this.#realNow = realNow;
  }

  now(): number {
    return runTimeAt({ atMs: this.#atMs, realMs: this.#realMs, speed: this.speed }, this.#realNow());
  }

  /**
   * Restarts the compression from now, so time spent before the run really starts (opening the store,
   * loading the plan) is not multiplied by the speed. Returns the new anchor.
   */
  reanchor(): { atMs: number; realMs: number } {
    this.#atMs = this.now();
    this.#realMs = this.#realNow();
    return { atMs: this.#atMs, realMs: this.#realMs };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return realSleep(ms / this.speed, signal);
  }
}
