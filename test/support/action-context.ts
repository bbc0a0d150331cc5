import type { Clock } from '../../src/core/clock.js';
import { TminusError } from '../../src/core/tminus-error.js';
import type { ActionContext, ResolvedConnection } from '../../src/engine/action.js';

/** A log line an action wrote through the test context. */
export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A controllable clock: `sleep` really waits (scaled by `speed`), `now` is wall time. */
export function realClock(speed = 1): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(resolve, ms / speed);
        signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), {
          once: true,
        });
      }),
  };
}

/**
 * A hand-built ActionContext for calling an action's `execute` directly (the engine that normally builds it is
 * developed separately). Secrets given here are redacted like the engine does.
 */
export function testActionContext(
  options: {
    connections?: Record<string, { kind: string; url?: string; options?: Record<string, unknown> }>;
    secrets?: string[];
    clock?: Clock;
    signal?: AbortSignal;
  } = {},
): ActionContext & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const secrets = options.secrets ?? [];
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text);
  const log = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    lines.push({ level, message: redact(message), ...(fields ? { fields } : {}) });
  return {
    lines,
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? realClock(),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    attempt: 1,
    idempotencyKey: 'test-run/step',
    run: {
      runId: 'test-run',
      planName: 'test',
      planTitle: 'Test plan',
      mode: 'rehearsal',
      comms: 'off',
      goLiveMs: 0,
      stepId: 'step',
      stepTitle: 'Step',
    },
    connection(name: string): ResolvedConnection {
      const c = options.connections?.[name];
      if (!c) throw new TminusError('USAGE', `unknown connection ${name}`);
      return { name, kind: c.kind, url: c.url, options: c.options ?? {} };
    },
    redact,
  };
}
