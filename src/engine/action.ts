import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** How announcements behave in this run: nowhere, to the test channel, or to the real audience. */
export type CommsMode = 'off' | 'test' | 'on';

/** What an action may know about the run it is part of (for templates, idempotency, comms). */
export interface RunInfo {
  readonly runId: string;
  readonly planName: string;
  readonly planTitle: string;
  readonly mode: 'rehearsal' | 'live';
  readonly comms: CommsMode;
  /** T-0, epoch ms. */
  readonly goLiveMs: number;
  /** The task or check being run. */
  readonly stepId: string;
  readonly stepTitle: string;
}

/** A named endpoint from the plan's `connections:`, with secret references already resolved. */
export interface ResolvedConnection {
  readonly name: string;
  readonly kind: string;
  readonly url: string | undefined;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Everything an action gets besides its parameters. Parameters arrive with `${env:…}`/`${file:…}` already
 * resolved; every resolved value is registered with `redact`, which the engine also applies to whatever the
 * action returns, logs or throws before it is stored.
 */
export interface ActionContext {
  readonly signal: AbortSignal;
  /** The run's clock: in a sped-up rehearsal it runs `speed` times faster than the wall clock. */
  readonly clock: Clock;
  /**
   * Wall-clock time even in a sped-up rehearsal, for what the outside world measures: protocol timestamps
   * (TSIG), network timeouts, latencies. Absent (e.g. in unit tests): use `clock`.
   */
  readonly realClock?: Clock;
  readonly logger: Logger;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Stable across attempts and resumes of one step in one run: use it to make side effects idempotent. */
  readonly idempotencyKey: string;
  readonly run: RunInfo;
  /** A connection declared in the plan, by name; throws a TminusError (`UNKNOWN_CONNECTION`) if absent. */
  connection(name: string): ResolvedConnection;
  /** Replaces every known secret value in a text with `***`. */
  redact(text: string): string;
}

/** One change an action would make, for `tminus run --dry-run` and the rollback draft. */
export interface PlannedChange {
  readonly target: string;
  readonly from?: string;
  readonly to?: string;
  readonly note?: string;
}

export interface ActionPlan {
  /** One line: what would happen. */
  readonly summary: string;
  readonly changes: readonly PlannedChange[];
}

/** What an action returns on success. Throw a TminusError to fail (set `retryable: false` when retrying cannot help). */
export interface ActionResult {
  /** One line for the run log and the dashboard. */
  readonly summary: string;
  /** JSON-serialisable details kept as evidence (e.g. `{ status: 200, latencyMs: 31 }`). */
  readonly output?: Readonly<Record<string, unknown>>;
  /** For measurements (monitors, metrics.query): the value `failWhen`/`successWhen` look at as `result`. */
  readonly value?: unknown;
}

/** A call to an action with its parameters, e.g. the one that undoes a change. */
export interface InverseCall {
  readonly action: string;
  readonly with: Readonly<Record<string, unknown>>;
}

/**
 * A plugin: a declarative description (type, parameter schema, capabilities) next to its behaviour.
 *
 * @example
 * export const shellAction: ActionDefinition<ShellParams> = {
 *   type: 'shell', description: 'runs a command', params: shellParams, idempotent: false,
 *   async execute(ctx, p) { ... return { summary: 'exit 0' }; },
 * };
 */
export interface ActionDefinition<P = Record<string, unknown>> {
  /** Namespaced: `http.check`, `dns.update`; `shell` and `notify` stand alone. */
  readonly type: string;
  readonly description: string;
  /** Validates and types `with:`. Used by `tminus validate` too. */
  readonly params: z.ZodType<P>;
  /** Safe to run again with the same parameters (e.g. after a crash left its outcome unknown). */
  readonly idempotent: boolean;
  /** What it would change, without changing anything (`--dry-run`). */
  plan?(ctx: ActionContext, params: P): Promise<ActionPlan>;
  /**
   * Does the work. `params` must not be changed: parameters without secret references are parsed once per
   * step and the same object is given to every attempt (and may share values with the plan).
   */
  execute(ctx: ActionContext, params: P): Promise<ActionResult>;
  /**
   * What a call changes, named so that a forward step and the rollback step that puts it back name it alike
   * (`dns www.example.com. A`, `haproxy backend app`). Declared by every action that changes the world and can
   * say what; `tminus validate` warns when no rollback step undoes it.
   */
  touches?(params: P): readonly string[];
  /** The call that undoes this one, used to draft the rollback procedure. */
  inverse?(params: P): InverseCall | undefined;
  /**
   * The call that undoes what one execution actually did, for a rollback step `inverse: TASK`. `params` are
   * the task's parameters as written in the plan (secret references unresolved: the undo resolves them when
   * it runs), `output` what the execution recorded (secrets masked). `{ nothing }` says why there is nothing
   * to undo. Without it, the rollback uses `inverse(params)`.
   */
  undo?(params: P, output: Readonly<Record<string, unknown>>): InverseCall | { readonly nothing: string };
}
