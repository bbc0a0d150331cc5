import { commandLineParams } from '../core/action-types.js';
import type { Clock } from '../core/clock.js';
import { commandLineHint, commandLineSecrets } from '../core/secrets/command-line-secrets.js';
import type { Logger } from '../core/logger.js';
import type { ActionCall, Plan } from '../core/plan/plan.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type {
  ActionContext,
  ActionDefinition,
  ActionResult,
  CommsMode,
  ResolvedConnection,
} from './action.js';
import type { Redactor } from './redactor.js';
import type { SecretSources } from './secret-resolver.js';
import { holdsSecretRefs, resolveSecrets } from './secret-resolver.js';
import { numbersFromRefs } from './numeric-refs.js';

/** Finds actions by type; the actions layer's `ActionRegistry` is one. */
export interface ActionLookup {
  get(type: string): ActionDefinition<unknown> | undefined;
  /**
   * For a lookup that loads its actions on demand (the CLI's: a run loads only the actions its plan uses):
   * loads those of `types` it has, after which `get` finds them. Types it does not have are left out.
   */
  load?(types: readonly string[]): Promise<void>;
}

/** Loads the actions a plan uses, where `actions` loads on demand; before any `get` of them. */
export async function loadActions(plan: Plan, actions: ActionLookup): Promise<void> {
  await actions.load?.(actionsUsed(plan));
}

export interface ActionRunInput {
  readonly plan: Plan;
  readonly call: ActionCall;
  readonly actions: ActionLookup;
  readonly clock: Clock;
  /** Measures `call.timeoutMs` (default: `clock`). */
  readonly timeoutClock?: Clock;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly secrets: SecretSources;
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly dryRun: boolean;
  readonly run: {
    readonly runId: string;
    readonly mode: 'rehearsal' | 'live';
    readonly comms: CommsMode;
    readonly goLiveMs: number;
    readonly stepId: string;
    readonly stepTitle: string;
  };
}

/** Every action type a plan uses (tasks, wait conditions, checks, monitors, rollback steps). */
export function actionsUsed(plan: Plan): string[] {
  const types = [
    ...plan.tasks.flatMap((t) => [t.call?.action, t.wait?.condition?.action]),
    ...plan.checklist.map((c) => c.check?.action),
    ...plan.rollback.steps.map((s) => s.call?.action),
  ];
  return [...new Set(types.filter((t): t is string => t !== undefined))].sort();
}

/** Refuses to start a run whose plan uses an action this build does not have (never discovered mid-run). */
export function requireActions(plan: Plan, actions: ActionLookup): void {
  const missing = actionsUsed(plan).filter((t) => actions.get(t) === undefined);
  if (missing.length > 0) {
    throw new TminusError(
      'ACTION_MISSING',
      `the plan uses action(s) not available here: ${missing.join(', ')}`,
      {
        hint: 'use --dry-run to rehearse the plan without executing actions, or install a tminus that has them',
      },
    );
  }
}

/** Why an action's timeout timer was cancelled: the action finished first (nobody sees it). */
const TIMER_CANCELLED = new TminusError('ABORTED', 'the action finished before its timeout');

/** One redacting logger per logger and redactor, not one per action call. */
const redactingLoggers = new WeakMap<Logger, WeakMap<Redactor, Logger>>();

function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  let byRedactor = redactingLoggers.get(logger);
  if (byRedactor === undefined) {
    byRedactor = new WeakMap();
    redactingLoggers.set(logger, byRedactor);
  }
  let redacting = byRedactor.get(redactor);
  if (redacting === undefined) {
    redacting = makeRedactingLogger(logger, redactor);
    byRedactor.set(redactor, redacting);
  }
  return redacting;
}

function makeRedactingLogger(logger: Logger, redactor: Redactor): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void =>
      logger[level](redactor.redact(message), fields && redactor.redactValue(fields));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * Runs one action call the way the engine promises: secret references resolved right before `execute` and
 * registered with the redactor, parameters validated, a timeout that aborts the action's signal, and a
 * result (or error) already redacted. In a dry run the action's `plan()` is asked instead. Never throws:
 * every failure is the returned promise's rejection.
 *
 * Not an `async` function: an async call keeps its whole frame on the heap while it waits (about 1.4 KB
 * here), and a run of 10,000 no-op steps made 14 MB of such garbage; the common path is one `then`.
 */
export function runAction(input: ActionRunInput): Promise<ActionResult> {
  try {
    const action = input.actions.get(input.call.action);
    return action ? runFound(action, input) : runMissing(input);
  } catch (thrown) {
    return Promise.reject(thrown as Error);
  }
}

/** An action this process does not have loaded: loaded on its first call, else described or refused. */
async function runMissing(input: ActionRunInput): Promise<ActionResult> {
  const { call } = input;
  let action: ActionDefinition<unknown> | undefined;
  if (input.actions.load) {
    // An action the plan does not name (an inverse calling another action): loaded on its first call.
    await input.actions.load([call.action]);
    action = input.actions.get(call.action);
  }
  if (action) return runFound(action, input);
  if (input.dryRun) {
    // A dry run rehearses a template anywhere, even where some of its actions are not installed.
    return {
      summary: `dry run: would run ${call.action} (not available in this build)`,
      output: { dryRun: true, action: call.action, changes: [] },
    };
  }
  throw new TminusError('ACTION_MISSING', `action '${call.action}' is not available`, { retryable: false });
}

function runFound(action: ActionDefinition<unknown>, input: ActionRunInput): Promise<ActionResult> {
  const { call, redactor } = input;
  // The action's signal is the caller's, or (with a timeout) one that also fires at the deadline: no
  // controller, listener or timer is made for a call without a timeout (10,000 no-op steps make 10,000).
  let signal = input.signal;
  let timer: AbortController | undefined;
  let onAbort: (() => void) | undefined;
  if (call.timeoutMs !== undefined) {
    const controller = new AbortController();
    const forward = () => controller.abort(input.signal.reason);
    onAbort = forward;
    input.signal.addEventListener('abort', forward, { once: true });
    if (input.signal.aborted) controller.abort(input.signal.reason);
    timer = new AbortController();
    const ms = call.timeoutMs;
    (input.timeoutClock ?? input.clock).sleep(ms, timer.signal).then(
      () =>
        controller.abort(
          new TminusError('TIMEOUT', `${call.action} did not finish within its timeout (${ms / 1000}s)`),
        ),
      () => undefined, // the action finished first and the timer was cancelled
    );
    signal = controller.signal;
  }
  let started: Started;
  try {
    started = start(action, input, signal);
  } catch (thrown) {
    const error = failure(redactor, signal, thrown);
    callOver(input.signal, timer, onAbort);
    return Promise.reject(error);
  }
  // A dry run's description: nothing to abort.
  if (started instanceof Promise) {
    // Inline, unnamed callbacks: under `tsx` (which keeps names) every named closure made per call also
    // costs an `Object.defineProperty` and ~300 bytes.
    return started.then(
      (result) => {
        try {
          return redactor.redactValue(result);
        } catch (thrown) {
          throw failure(redactor, signal, thrown);
        } finally {
          callOver(input.signal, timer, onAbort);
        }
      },
      (thrown: unknown) => {
        const error = failure(redactor, signal, thrown);
        callOver(input.signal, timer, onAbort);
        throw error;
      },
    );
  }
  const work = started.executing;
  // An action that ignores its signal is not waited for once the signal fires: one promise settled by
  // whichever comes first (its result, or the signal), not a promise for the race and another for the result.
  if (signal.aborted) {
    // The action was handed a signal that had fired already: what it returns no longer counts (and a
    // rejection of it is not left unhandled).
    Promise.resolve(work).then(ignore, ignore);
    const error = failure(redactor, signal, signal.reason);
    callOver(input.signal, timer, onAbort);
    return Promise.reject(error);
  }
  return new Promise<ActionResult>((resolve, reject) => {
    const leave = onAbortOf(signal, () => {
      reject(failure(redactor, signal, signal.reason));
      callOver(input.signal, timer, onAbort);
    });
    try {
      // Inline, unnamed callbacks (see above).
      work.then(
        (result) => {
          leave();
          try {
            resolve(redactor.redactValue(result));
          } catch (thrown) {
            reject(failure(redactor, signal, thrown));
          } finally {
            callOver(input.signal, timer, onAbort);
          }
        },
        (thrown: unknown) => {
          leave();
          reject(failure(redactor, signal, thrown));
          callOver(input.signal, timer, onAbort);
        },
      );
    } catch (thrown) {
      // `execute` returned no promise.
      leave();
      reject(failure(redactor, signal, thrown));
      callOver(input.signal, timer, onAbort);
    }
  });
}

const ignore = (): void => undefined;

/** An action call is over: its timeout timer is cancelled and it stops listening to the caller's signal. */
function callOver(
  callerSignal: AbortSignal,
  timer: AbortController | undefined,
  onAbort: (() => void) | undefined,
) {
  // A reason of its own: aborting without one builds a DOMException (and its stack) every time.
  timer?.abort(TIMER_CANCELLED);
  if (onAbort) callerSignal.removeEventListener('abort', onAbort);
}

/** A failed action call's error, redacted: the signal's reason when it was aborted (timeout, stop). */
function failure(redactor: Redactor, signal: AbortSignal, thrown: unknown): TminusError {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  const error = reason instanceof TminusError ? reason : coerceError(thrown);
  return new TminusError(error.code, redactor.redact(error.message), {
    cause: error,
    ...(error.hint ? { hint: redactor.redact(error.hint) } : {}),
    ...(error.retryable === undefined ? {} : { retryable: error.retryable }),
  });
}

/** Checks and resolves the parameters and starts the action (or, in a dry run, asks its plan). */
/** A call's action executing (raced with its signal by the caller), or a dry run's description of it. */
type Started = { readonly executing: Promise<ActionResult> } | Promise<ActionResult>;

function start(action: ActionDefinition<unknown>, input: ActionRunInput, signal: AbortSignal): Started {
  const { call, redactor } = input;
  refuseSecretsInCommandLines(call);
  const constant = !input.dryRun && !holdsSecretRefs(call.with);
  const params = input.dryRun || constant ? call.with : resolveSecrets(call.with, input.secrets, redactor);
  let parsed = constant ? parsedOnce(action, call.with) : action.params.safeParse(params);
  // A `${{ secret }}` holding a number where one is expected: parsed again with the numbers (only then).
  if (!parsed.success && !input.dryRun) {
    parsed = action.params.safeParse(numbersFromRefs(action.params, call.with, params, call.action));
  }
  if (!parsed.success && !input.dryRun) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(with)'}: ${i.message}`).join('; ');
    throw new TminusError('INVALID_PARAMS', `${call.action}: ${detail}`, { retryable: false });
  }
  const ctx = context(input, signal);
  if (input.dryRun) return dryRun(action, ctx, parsed, call);
  return { executing: action.execute(ctx, parsed.data as unknown) };
}

/**
 * The parameters of a call without secret references, parsed once per action and parameters object (plans are
 * immutable): a step retried, or the 10,000 steps of a run, do not parse the same object again.
 */
function parsedOnce(action: ActionDefinition<unknown>, params: ActionCall['with']) {
  let byParams = parses.get(action);
  if (byParams === undefined) {
    byParams = new WeakMap();
    parses.set(action, byParams);
  }
  let parsed = byParams.get(params);
  if (parsed === undefined) {
    parsed = action.params.safeParse(params);
    byParams.set(params, parsed);
  }
  return parsed;
}
const parses = new WeakMap<
  object,
  WeakMap<object, ReturnType<ActionDefinition<unknown>['params']['safeParse']>>
>();

/** What a dry run records for an action: its own description of the changes, when it has one. */
async function dryRun(
  action: ActionDefinition<unknown>,
  ctx: ActionContext,
  parsed: { success: boolean; data?: unknown },
  call: ActionCall,
): Promise<ActionResult> {
  const planned = action.plan && parsed.success ? await action.plan(ctx, parsed.data) : undefined;
  return {
    summary: `dry run: ${planned?.summary ?? `would run ${call.action}`}`,
    output: { dryRun: true, action: call.action, changes: planned?.changes ?? [] },
  };
}

/**
 * A secret is never substituted into a command line a shell parses (validation refuses such a plan; this
 * guards a plan stored by an older tminus). The command gets it through `env:` instead.
 */
function refuseSecretsInCommandLines(call: ActionCall): void {
  for (const key of commandLineParams(call.action)) {
    const line = call.with[key];
    const rewrite = typeof line === 'string' ? commandLineSecrets(line) : undefined;
    if (rewrite) {
      throw new TminusError(
        'SECRET_IN_COMMAND',
        `${call.action}: ${rewrite.refs.map((r) => r.text).join(', ')} in '${key}' would be pasted into shell text; nothing was run`,
        { retryable: false, hint: commandLineHint(key, rewrite) },
      );
    }
  }
}

/**
 * Who waits for a signal to fire, in a set (O(1) to join and to leave). The steps executing at once share
 * one signal, and an `EventTarget` walks its whole list of listeners on every add and remove.
 */
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();

function onAbortOf(signal: AbortSignal, waiter: () => void): () => void {
  let waiters = abortWaiters.get(signal);
  if (waiters === undefined) {
    const set = new Set<() => void>();
    signal.addEventListener(
      'abort',
      () => {
        for (const w of set) w();
        set.clear();
      },
      { once: true },
    );
    abortWaiters.set(signal, set);
    waiters = set;
  }
  const joined = waiters;
  joined.add(waiter);
  return () => joined.delete(waiter);
}

function context(input: ActionRunInput, signal: AbortSignal): ActionContext {
  const { plan, redactor } = input;
  return {
    signal,
    clock: input.clock,
    realClock: input.timeoutClock ?? input.clock,
    logger: redactingLogger(input.logger, redactor),
    attempt: input.attempt,
    idempotencyKey: `${input.run.runId}:${input.run.stepId}`,
    run: {
      runId: input.run.runId,
      planName: plan.name,
      planTitle: plan.title,
      mode: input.run.mode,
      comms: input.run.comms,
      goLiveMs: input.run.goLiveMs,
      stepId: input.run.stepId,
      stepTitle: input.run.stepTitle,
    },
    connection(name: string): ResolvedConnection {
      const c = plan.connections[name];
      if (!c) {
        throw new TminusError('UNKNOWN_CONNECTION', `no connection '${name}' in plan '${plan.name}'`, {
          retryable: false,
        });
      }
      // A dry run shows references as written: it needs no secrets and so can be rehearsed anywhere.
      const url =
        c.url === undefined || input.dryRun ? c.url : resolveSecrets(c.url, input.secrets, redactor);
      // Options carry provider details such as a TSIG key: resolved (and redacted) like the URL.
      const raw = c.options ?? {};
      const options = input.dryRun ? raw : resolveSecrets(raw, input.secrets, redactor);
      return { name, kind: c.kind, url, options };
    },
    redact: redactWith(redactor),
  };
}

/** One `redact` function per redactor, shared by every action call (not a closure made per call). */
const redactFunctions = new WeakMap<Redactor, (text: string) => string>();

function redactWith(redactor: Redactor): (text: string) => string {
  let redact = redactFunctions.get(redactor);
  if (redact === undefined) {
    redact = (text: string) => redactor.redact(text);
    redactFunctions.set(redactor, redact);
  }
  return redact;
}
