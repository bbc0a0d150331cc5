import type { ActionContext, ActionResult } from '../../src/engine/action.js';
import { testActionContext, systemClock } from './action-context.js';
import type { LoadResult, LoadSample } from './load-generator.js';
import { runLoad } from './load-generator.js';

/** When something happened during the shift, in ms since the load started (the samples' time base). */
export interface Mark {
  readonly at: number;
  readonly message: string;
}

export interface ShiftUnderLoad {
  readonly load: LoadResult;
  readonly result: ActionResult;
  /** Just before the action was called, and just after it returned. */
  readonly shiftStart: number;
  readonly shiftEnd: number;
  /** The action's log lines (one per step, written once the step serves) and its pauses (start, end). */
  readonly logged: readonly Mark[];
  readonly pauses: readonly { readonly from: number; readonly to: number }[];
  /** Requests sent by the load generator (each one is a sample: none is dropped). */
  readonly sent: number;
}

/**
 * Runs a traffic action in the middle of an open-loop load and keeps the times that let a test judge each
 * request by what was in force when the balancer routed it, whatever the machine's speed: a request
 * answered before a step began was routed before it; one sent after a step was in force was routed after.
 * The load runs until `before` requests have been answered, then the action runs, and the load goes on
 * until `after` more requests have been sent once it returned.
 */
export async function shiftUnderLoad(options: {
  readonly url: string;
  readonly rate: number;
  readonly before: number;
  readonly after: number;
  readonly shift: (ctx: ActionContext) => Promise<ActionResult>;
  /**
   * Each pause of the action lasts at least this many answers to requests sent during it (and at least its
   * own length): on a loaded machine a one-second pause may see few requests, and a test judging a step by
   * the requests answered within its pause needs enough of them, whatever the machine's speed.
   */
  readonly answeredPerPause?: number;
}): Promise<ShiftUnderLoad> {
  const stop = new AbortController();
  let answered = 0;
  let shiftEnd = Number.POSITIVE_INFINITY;
  let afterShift = 0;
  let sent = 0;
  let started: () => void = () => undefined;
  /** Send times of the answered requests, and pauses waiting for enough of them. */
  const answeredAt: number[] = [];
  const pauseWaiters = new Set<() => void>();
  const warmedUp = new Promise<void>((resolve) => (started = resolve));
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const load = runLoad({
    url: options.url,
    rate: options.rate,
    count: 1_000_000,
    origin: t0,
    signal: stop.signal,
    onDone: (s: LoadSample) => {
      if (s.failure) return;
      answeredAt.push(s.at);
      for (const wake of [...pauseWaiters]) wake();
      if (++answered >= options.before) started();
    },
    onSend: (at, n) => {
      sent = n;
      if (at >= shiftEnd && ++afterShift >= options.after) stop.abort();
    },
  });
  await warmedUp;
  const logged: Mark[] = [];
  const pauses: { from: number; to: number }[] = [];
  const base = testActionContext();
  const ctx: ActionContext = {
    ...base,
    logger: { ...base.logger, info: (message) => void logged.push({ at: since(), message }) },
    clock: {
      now: systemClock.now,
      sleep: async (ms, signal) => {
        const from = since();
        await systemClock.sleep(ms, signal);
        const enough = () => answeredAt.filter((at) => at >= from).length >= (options.answeredPerPause ?? 0);
        while (!enough()) {
          signal?.throwIfAborted();
          await new Promise<void>((resolve) => {
            const wake = () => (pauseWaiters.delete(wake), resolve());
            pauseWaiters.add(wake);
          });
        }
        pauses.push({ from, to: since() });
      },
    },
  };
  const shiftStart = since();
  let result: ActionResult;
  try {
    result = await options.shift(ctx);
  } catch (error) {
    stop.abort();
    await load;
    throw error;
  }
  shiftEnd = since();
  const outcome = await load;
  return { load: outcome, result, shiftStart, shiftEnd, logged, pauses, sent };
}
