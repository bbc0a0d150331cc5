import { realSleep } from './system-clock.js';

/**
 * A worker's wait between two looks at the store: `pollMs` of real time, ended early by `poke()` (an append
 * hint, a run or step that finished). A poke while the worker is busy is kept, so the next wait returns at
 * once: a hint that arrives between two looks is never lost.
 *
 * @example const doze = new PollDoze(200); store.listen(() => doze.poke()); while (!signal.aborted) { work(); await doze.wait(signal); }
 */
export class PollDoze {
  readonly #pollMs: number;
  #wake: () => void = () => undefined;
  #woken = false;

  constructor(pollMs: number) {
    this.#pollMs = pollMs;
  }

  poke(): void {
    this.#woken = true;
    this.#wake();
  }

  async wait(signal: AbortSignal): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return;
    }
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#wake = () => stop.abort();
    try {
      await realSleep(this.#pollMs, stop.signal).catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#wake = () => undefined;
      this.#woken = false;
    }
  }
}
