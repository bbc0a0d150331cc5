import type { Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ResolvedConnection } from '../../src/engine/action.js';

/** The wall clock, for tests that drive real servers. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), {
        once: true,
      });
    }),
};

/** A logger that keeps its lines for assertions. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * An ActionContext for calling an action directly in a test, as the engine would: real clock unless given,
 * connections from a map, `redact` hiding the given secrets.
 */
export function actionTestContext(
  options: {
    readonly clock?: Clock;
    readonly secrets?: readonly string[];
    readonly connections?: Readonly<Record<string, ResolvedConnection>>;
    readonly signal?: AbortSignal;
  } = {},
): ActionContext & { logger: Logger & { lines: string[] } } {
  const secrets = options.secrets ?? [];
  return {
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? realClock,
    logger: memoryLogger(),
    attempt: 1,
    idempotencyKey: 'test-run/test-step',
    run: {
      runId: 'test-run',
      planName: 'test-plan',
      planTitle: 'Test plan',
      mode: 'rehearsal',
      comms: 'off',
      goLiveMs: 0,
      stepId: 'test-step',
      stepTitle: 'Test step',
    },
    connection(name) {
      const c = options.connections?.[name];
      if (!c) throw new TminusError('USAGE', `unknown connection '${name}'`);
      return c;
    },
    redact: (text) => secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('***')), text),
  };
}
