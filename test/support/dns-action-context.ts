import type { Clock } from '../../src/core/clock.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ResolvedConnection } from '../../src/engine/action.js';

/** Real time, for tests against real servers (timeouts must really pass). */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    }),
};

/** A clock that jumps forward on every sleep: polling loops run instantly and deterministically. */
export function virtualClock(
  startMs = Date.UTC(2026, 10, 21, 3, 0, 0),
): Clock & { readonly sleeps: number[] } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

export interface TestContext extends ActionContext {
  /** Every log line, with its fields, as JSON text. */
  readonly logs: string[];
}

/**
 * An ActionContext as the engine would build it: secrets registered for redaction, connections by name.
 * `secrets` are the resolved secret values the engine would know of.
 */
export function dnsActionContext(
  options: {
    readonly clock?: Clock;
    /** The wall clock the engine gives actions besides a sped-up run clock. */
    readonly realClock?: Clock;
    readonly secrets?: readonly string[];
    readonly connections?: Readonly<Record<string, Omit<ResolvedConnection, 'name'>>>;
    readonly signal?: AbortSignal;
  } = {},
): TestContext {
  const logs: string[] = [];
  const secrets = options.secrets ?? [];
  const redact = (text: string) => secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('***')), text);
  const log = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    logs.push(JSON.stringify({ level, message, fields }));
  return {
    logs,
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? realClock,
    ...(options.realClock ? { realClock: options.realClock } : {}),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    attempt: 1,
    idempotencyKey: 'run-1/step-1',
    run: {
      runId: 'run-1',
      planName: 'dns-test',
      planTitle: 'DNS test',
      mode: 'rehearsal',
      comms: 'off',
      goLiveMs: Date.UTC(2026, 10, 21, 3, 0, 0),
      stepId: 'switch-dns',
      stepTitle: 'Switch DNS',
    },
    connection(name) {
      const c = options.connections?.[name];
      if (!c) throw new TminusError('USAGE', `unknown connection '${name}'`);
      return { name, ...c };
    },
    redact,
  };
}

/** Awaits a promise that must fail with a TminusError, and returns that error for assertions. */
export async function expectTminusError(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TminusError) return error;
    throw new Error(`expected a TminusError, got: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a TminusError, but the call succeeded');
}
