import type { Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ResolvedConnection, RunInfo } from '../../src/engine/action.js';

/** A log line as an action wrote it (after redaction, as the engine would store it). */
export interface CollectedLogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** The real clock: wall time and real timers (tests of actions talking to real peers need real time). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A virtual clock for tests: time moves only when the test calls `advance`, and sleepers wake in deadline
 * order. `sleepers()` tells a test that the code under test is now waiting (so it can advance safely).
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 11, 5));
 * const pending = action.execute(testActionContext({ clock }), params);
 * await clock.untilSleeping(); clock.advance(60_000);
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: { until: number; wake: () => void }[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const sleeper = { until: this.#now + Math.max(0, ms), wake: resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking every sleeper whose time has come. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.wake();
  }

  /** Deadlines (ms from now) of everyone asleep. */
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
}

export interface TestActionContextOptions {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly attempt?: number;
  readonly idempotencyKey?: string;
  readonly run?: Partial<RunInfo>;
  /** Connections by name; `{ kind, url }` is enough. */
  readonly connections?: Readonly<
    Record<string, { kind: string; url?: string; options?: Record<string, unknown> }>
  >;
  /** Secret values `redact` hides (as the engine registers every resolved `${...}` value). */
  readonly secrets?: readonly string[];
}

/** An ActionContext for calling `execute`/`plan` directly, plus what the action logged. */
export interface TestActionContext extends ActionContext {
  readonly lines: CollectedLogLine[];
  /** Every logged message and field, as one text (to assert that a secret never appears). */
  logText(): string;
}

/**
 * A hand-built ActionContext for action tests: system clock unless one is given, a logger that collects
 * (redacted) lines, `redact` over the given secrets, and `connection(name)` over the given connections.
 *
 * @example
 * const ctx = testActionContext({ connections: { db: { kind: 'postgres', url } }, secrets: ['s3cret'] });
 * await sqlQueryAction.execute(ctx, { connection: 'db', query: 'select 1' });
 */
export function testActionContext(options: TestActionContextOptions = {}): TestActionContext {
  const secrets = (options.secrets ?? []).filter((s) => s !== '');
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const lines: CollectedLogLine[] = [];
  const log =
    (level: CollectedLogLine['level']) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
      lines.push({
        level,
        message: redact(message),
        fields:
          fields === undefined
            ? undefined
            : (JSON.parse(redact(JSON.stringify(fields))) as Record<string, unknown>),
      });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const run: RunInfo = {
    runId: 'run-test-1',
    planName: 'shop-to-cloud',
    planTitle: 'Shop web application — move to the cloud',
    mode: 'rehearsal',
    comms: 'off',
    goLiveMs: Date.UTC(2026, 11, 5, 2, 0, 0),
    stepId: 'test-step',
    stepTitle: 'Test step',
    ...options.run,
  };
  const connections = options.connections ?? {};
  return {
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? systemClock,
    logger,
    attempt: options.attempt ?? 1,
    idempotencyKey: options.idempotencyKey ?? `${run.runId}:${run.stepId}`,
    run,
    connection(name: string): ResolvedConnection {
      const c = connections[name];
      if (!c) throw new TminusError('UNKNOWN_CONNECTION', `no connection named '${name}' in the plan`);
      return { name, kind: c.kind, url: c.url, options: c.options ?? {} };
    },
    redact,
    lines,
    logText: () => lines.map((l) => `${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n'),
  };
}

/**
 * Awaits an action call that must fail and returns its TminusError; throws when it succeeds or fails with
 * anything else (a bare Error from an action is a bug: errors must carry a code).
 *
 * @example expect((await actionFailure(action.execute(ctx, params))).code).toBe('TIMEOUT');
 */
export async function actionFailure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TminusError) return error;
    throw new Error(`expected a TminusError, got: ${String(error)}`, { cause: error });
  }
  throw new Error('expected the action to fail, but it succeeded');
}
