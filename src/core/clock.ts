/**
 * Time, injected everywhere: the engine never reads the wall clock itself, so tests and rehearsals can run on
 * a virtual or sped-up clock with the same ordering as real time.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
