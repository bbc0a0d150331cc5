import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';

/** The real clock, for the `data diff` command (actions get the engine's clock instead). */
export const wallClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};
