import type { Clock } from '../core/clock.js';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly resolve: () => void;
}

/**
 * Time that moves only when told: tests and simulations advance it to the next timer, so a day-long plan
 * runs in milliseconds and every run with the same seed is the same run.
 *
 * @example
 * const clock = new VirtualClock(0);
 * const done = clock.sleep(1000);
 * clock.advanceTo(clock.nextTimerAt()!); // done resolves
 */
export class VirtualClock implements Clock {
  #now: number;
  #order = 0;
  #timers: Timer[] = [];

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        order: this.#order++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** When the earliest pending sleep ends, if any. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.#timers) if (min === undefined || t.at < min) min = t.at;
    return min;
  }

  /** Moves time forward to `ms` and wakes every sleep due by then, earliest first. */
  advanceTo(ms: number): void {
    if (ms > this.#now) this.#now = ms;
    const due = this.#timers
      .filter((t) => t.at <= this.#now)
      .sort((a, b) => a.at - b.at || a.order - b.order);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const t of due) t.resolve();
  }

  /** Drops every pending sleep without waking it (a simulated crash). */
  dropTimers(): void {
    this.#timers = [];
  }
}
