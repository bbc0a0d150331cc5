import type { Clock } from '../../src/core/clock.js';

interface Sleeper {
  readonly until: number;
  readonly order: number;
  readonly wake: () => void;
}

/**
 * The one test clock whose time moves only when told: a test (or the engine harness, or the simulation)
 * advances it, and sleepers wake in deadline order, ties in the order they went to sleep. A day-long plan runs
 * in milliseconds and every run with the same seed is the same run.
 *
 * With `autoAdvance`, every sleep moves time forward by its length at once and resolves: polling loops run
 * instantly and deterministically, and `sleeps` tells what they waited for.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 11, 5));
 * const pending = action.execute(testActionContext({ clock }), params);
 * await clock.untilSleeping(); clock.advance(60_000);
 * @example
 * const clock = new ManualClock(0, { autoAdvance: true });
 * await provider.apply(...); expect(clock.sleeps).toEqual([3000, 3000]);
 */
export class ManualClock implements Clock {
  readonly #autoAdvance: boolean;
  #now: number;
  #order = 0;
  #sleepers: Sleeper[] = [];
  /** Every sleep asked for, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(startMs = 0, options: { readonly autoAdvance?: boolean } = {}) {
    this.#now = startMs;
    this.#autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    this.sleeps.push(ms);
    if (this.#autoAdvance) {
      this.#now += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        until: this.#now + Math.max(0, ms),
        order: this.#order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `ms` (never back) and wakes every sleeper due by then, earliest first. */
  advanceTo(ms: number): void {
    if (ms > this.#now) this.#now = ms;
    const due = this.#sleepers
      .filter((s) => s.until <= this.#now)
      .sort((a, b) => a.until - b.until || a.order - b.order);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.wake();
  }

  /** When the earliest pending sleep ends, if any. */
  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const s of this.#sleepers) if (min === undefined || s.until < min) min = s.until;
    return min;
  }

  /** Deadlines (ms from now) of everyone asleep, soonest first. */
  sleepers(): number[] {
    return this.#sleepers.map((s) => s.until - this.#now).sort((a, b) => a - b);
  }

  /** Resolves once someone sleeps for at least `minMs` (polling real time briefly; for tests only). */
  async untilSleeping(minMs = 0, timeoutMs = 5_000): Promise<void> {
    const started = Date.now();
    while (!this.sleepers().some((d) => d >= minMs)) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(`nobody slept for ${minMs}ms within ${timeoutMs}ms`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Drops every pending sleep without waking it (a simulated crash). */
  dropTimers(): void {
    this.#sleepers = [];
  }
}
