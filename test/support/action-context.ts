import type { Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ResolvedConnection, RunInfo } from '../../src/engine/action.js';
import { SystemClock } from '../../src/engine/system-clock.js';

/** A log line exactly as an action wrote it (before the engine's redaction: a secret here is a leak). */
export interface CollectedLogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** Wall time and real timers, for tests of actions talking to real peers (timeouts must really pass). */
export const systemClock: Clock = new SystemClock();

export interface TestActionContextOptions {
  /** The run clock (`systemClock` unless given; a `ManualClock` from `./manual-clock.js` to drive time). */
  readonly clock?: Clock;
  /** The wall clock the engine gives actions beside a sped-up run clock (`ctx.realClock`). */
  readonly realClock?: Clock;
  readonly signal?: AbortSignal;
  readonly attempt?: number;
  readonly idempotencyKey?: string;
  readonly run?: Partial<RunInfo>;
  /** Connections by name; `{ kind, url }` is enough. */
  readonly connections?: Readonly<
    Record<
      string,
      {
        readonly name?: string;
        readonly kind: string;
        readonly url?: string | undefined;
        readonly options?: Readonly<Record<string, unknown>>;
      }
    >
  >;
  /** Secret values `redact` hides (as the engine registers every resolved `${...}` value). */
  readonly secrets?: readonly string[];
}

/** An ActionContext for calling `execute`/`plan` directly, plus what the action logged. */
export interface TestActionContext extends ActionContext {
  readonly lines: CollectedLogLine[];
  /** Every logged message and its fields, as one text (to assert that a secret never appears). */
  logText(): string;
}

/**
 * The one hand-built ActionContext for tests, as the engine would build it: system clock unless one is given,
 * a logger that keeps every line as the action wrote it, `redact` over the given secrets, and
 * `connection(name)` over the given connections (`UNKNOWN_CONNECTION` for any other name).
 *
 * @example
 * const ctx = testActionContext({ connections: { db: { kind: 'postgres', url } }, secrets: ['s3cret'] });
 * await sqlQueryAction.execute(ctx, { connection: 'db', query: 'select 1' });
 * expect(ctx.logText()).not.toContain('s3cret');
 */
export function testActionContext(options: TestActionContextOptions = {}): TestActionContext {
  const secrets = (options.secrets ?? []).filter((s) => s !== '');
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const lines: CollectedLogLine[] = [];
  const log =
    (level: CollectedLogLine['level']) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
      lines.push({ level, message, fields });
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
    ...(options.realClock ? { realClock: options.realClock } : {}),
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
    logText: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n'),
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
