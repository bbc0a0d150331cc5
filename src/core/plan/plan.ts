import type { PathSegment } from '../validation/issue.js';
import type { CRITERION_WHEN, DECISION_DEFAULTS, RawPlan, RawRetry } from './plan-schema.js';
import { parseDuration } from './duration.js';
import { parseOffset } from './offset.js';

/** How a task is completed: by a person, by an action, by votes, or by time/condition. */
export type TaskKind = 'manual' | 'automated' | 'gate' | 'wait';
export type Quorum = 'all' | 'majority' | number;

/** Used when a task gives no estimate; `plan` flags every task that fell back to it. */
export const DEFAULT_ESTIMATE_MS = 5 * 60_000;

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly factor: number;
  readonly maxBackoffMs: number | undefined;
  readonly nonRetryable: readonly string[];
}

export interface ActionCall {
  readonly action: string;
  readonly with: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number | undefined;
}

export interface GateSpec {
  readonly voters: readonly string[];
  readonly quorum: Quorum;
  readonly requires: readonly string[];
  readonly deadlineMs: number | undefined;
  readonly onTimeout: 'go' | 'no-go';
}

export interface WaitSpec {
  readonly untilMs: number | undefined;
  readonly condition: (ActionCall & { readonly intervalMs: number }) | undefined;
}

export interface Task {
  readonly id: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly kind: TaskKind;
  readonly phaseId: string;
  readonly phaseIndex: number;
  readonly owner: string | undefined;
  readonly call: ActionCall | undefined;
  readonly after: readonly string[];
  readonly estimateMs: number;
  readonly estimateDefaulted: boolean;
  readonly timeoutMs: number | undefined;
  readonly retry: RetryPolicy;
  /** Explicit override of the action's own idempotency; undefined means "ask the action". */
  readonly idempotent: boolean | undefined;
  /** Its failure fires `task-failed` criteria that name no task. */
  readonly critical: boolean;
  readonly gate: GateSpec | undefined;
  readonly wait: WaitSpec | undefined;
  /** Where the task sits in the plan document, for messages. */
  readonly path: readonly PathSegment[];
}

export interface Phase {
  readonly id: string;
  readonly index: number;
  readonly title: string;
  readonly atMs: number;
  readonly taskIds: readonly string[];
}

export interface ChecklistItem {
  readonly id: string;
  readonly category: string;
  readonly title: string;
  readonly owner: string;
  readonly description: string | undefined;
  readonly check: ActionCall | undefined;
  readonly path: readonly PathSegment[];
}

export interface Monitor {
  readonly id: string;
  readonly title: string;
  readonly call: ActionCall;
  readonly fromMs: number | undefined;
  readonly untilMs: number | undefined;
  readonly intervalMs: number;
  readonly initialDelayMs: number;
  readonly count: number | undefined;
  readonly failWhen: string | undefined;
  readonly successWhen: string | undefined;
  /** Failed measurements tolerated; −1: failures never fail the monitor. */
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /** Consecutive successes that end the monitor as successful; undefined: off. */
  readonly consecutiveSuccessLimit: number | undefined;
  /** Measures and records, never fires a criterion nor decides the go-live. */
  readonly dryRun: boolean;
  /** Health-check debouncing of the raw measurements; undefined: none. */
  readonly debounce: { readonly failureThreshold: number; readonly recoveryThreshold: number } | undefined;
}

export type DecisionDefault = (typeof DECISION_DEFAULTS)[number];

export interface RollbackCriterion {
  readonly id: string;
  readonly title: string;
  readonly monitor: string | undefined;
  readonly task: string | undefined;
  readonly when: (typeof CRITERION_WHEN)[number];
  /** Overrides `rollback.decisionDeadlineMs` for this criterion. */
  readonly decisionDeadlineMs: number | undefined;
  /** Overrides `rollback.default` for this criterion. */
  readonly default: DecisionDefault | undefined;
}

export interface FollowUpTask {
  readonly id: string;
  readonly title: string;
  readonly owner: string | undefined;
  /** Due this long after the rollback completed. */
  readonly dueMs: number | undefined;
}

export interface RollbackStep {
  readonly id: string;
  readonly title: string;
  readonly owner: string | undefined;
  readonly call: ActionCall | undefined;
  /** The step's `timeout:` (for an `inverse:` step, that of the undo call). */
  readonly timeoutMs: number | undefined;
  readonly budgetMs: number;
  readonly retry: RetryPolicy;
  readonly idempotent: boolean | undefined;
  /** `inverse:` — the forward task whose recorded change this step undoes. */
  readonly inverseOf: string | undefined;
  /** `undoes:` — forward tasks this step puts back, for rollback coverage. */
  readonly undoes: readonly string[];
}

export interface Plan {
  readonly version: 1;
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  /** T-0 as written in the plan (ISO-8601), if any. */
  readonly goLive: string | undefined;
  readonly window: { readonly startMs: number; readonly endMs: number } | undefined;
  readonly concurrency: number | undefined;
  readonly roles: Readonly<Record<string, { readonly title: string; readonly members: readonly string[] }>>;
  readonly people: Readonly<Record<string, { readonly name?: string; readonly email?: string }>>;
  readonly connections: Readonly<
    Record<
      string,
      {
        readonly kind: string;
        readonly url: string | undefined;
        /** Provider details (e.g. a DNS connection's TSIG key); may hold secret references. */
        readonly options?: Readonly<Record<string, unknown>>;
      }
    >
  >;
  readonly checklist: readonly ChecklistItem[];
  readonly phases: readonly Phase[];
  /** Every task in plan order (phase by phase). */
  readonly tasks: readonly Task[];
  readonly monitors: readonly Monitor[];
  /** The run's channels (notify channel entries): where the go-live watch's events are announced. */
  readonly channels: readonly Readonly<Record<string, unknown>>[];
  /** `live.requireRehearsal`: a live run needs an accepted rehearsal of this exact plan. */
  readonly requireRehearsal: boolean;
  readonly rollback: {
    readonly auto: boolean;
    readonly decisionDeadlineMs: number | undefined;
    /** What a decision nobody took by its deadline becomes. */
    readonly default: DecisionDefault;
    readonly criteria: readonly RollbackCriterion[];
    readonly steps: readonly RollbackStep[];
    /** Lead times before the point of no return at which to warn, longest first. */
    readonly ponrWarningsMs: readonly number[];
    /** The final check that the legacy side is healthy after the last step. */
    readonly verify: ActionCall | undefined;
    readonly followUp: readonly FollowUpTask[];
  };
}

// The schema has already checked every duration and offset, so these cannot fail here.
const ms = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseDuration(text);
const at = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseOffset(text);

function retryPolicy(raw: RawRetry | undefined, fallback: RawRetry | undefined): RetryPolicy {
  const r = raw ?? fallback;
  return {
    attempts: r?.attempts ?? 1,
    backoffMs: ms(r?.backoff) ?? 0,
    factor: r?.factor ?? 2,
    maxBackoffMs: ms(r?.maxBackoff),
    nonRetryable: r?.nonRetryable ?? [],
  };
}

/**
 * The parameters of a call that gives none: one object for every such call (plans are immutable), so what is
 * derived from a call's parameters once per object — their parse against the action's schema, whether they
 * hold secret references — is derived once for all of them, not once per task.
 */
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

const call = (action: string | undefined, params: Record<string, unknown> | undefined, timeout?: string) =>
  action === undefined ? undefined : { action, with: params ?? NO_PARAMS, timeoutMs: ms(timeout) };

/**
 * Turns a schema-valid raw plan into the typed model the scheduler and engine use: durations and offsets in
 * milliseconds, task kinds resolved, defaults applied. Pure; cross-reference checks are `validatePlan`'s job.
 */
export function buildPlan(raw: RawPlan): Plan {
  const defaults = raw.defaults ?? {};
  const defaultEstimate = ms(defaults.estimate);
  const tasks: Task[] = [];
  const phases: Phase[] = raw.phases.map((phase, phaseIndex) => {
    phase.tasks.forEach((t, taskIndex) => {
      const kind: TaskKind =
        t.type === 'gate'
          ? 'gate'
          : t.type === 'wait'
            ? 'wait'
            : t.action !== undefined
              ? 'automated'
              : 'manual';
      const estimate = ms(t.estimate);
      tasks.push({
        id: t.id,
        title: t.title ?? t.id,
        description: t.description,
        kind,
        phaseId: phase.id,
        phaseIndex,
        owner: t.owner,
        call: kind === 'automated' ? call(t.action, t.with, t.timeout ?? defaults.timeout) : undefined,
        after: t.after ?? [],
        estimateMs: estimate ?? defaultEstimate ?? DEFAULT_ESTIMATE_MS,
        estimateDefaulted: estimate === undefined,
        timeoutMs: ms(t.timeout ?? defaults.timeout),
        retry: retryPolicy(t.retry, defaults.retry),
        idempotent: t.idempotent,
        critical: t.critical ?? false,
        gate:
          kind === 'gate'
            ? {
                voters: t.voters ?? [],
                quorum: t.quorum ?? 'all',
                requires: t.requires ?? [],
                deadlineMs: at(t.deadline),
                onTimeout: t.onTimeout ?? 'no-go',
              }
            : undefined,
        wait:
          kind === 'wait'
            ? {
                untilMs: at(t.until),
                condition: t.condition && {
                  action: t.condition.action,
                  with: t.condition.with ?? NO_PARAMS,
                  timeoutMs: ms(t.condition.timeout),
                  intervalMs: ms(t.condition.interval) ?? 30_000,
                },
              }
            : undefined,
        path: ['phases', phaseIndex, 'tasks', taskIndex],
      });
    });
    return {
      id: phase.id,
      index: phaseIndex,
      title: phase.title ?? phase.id,
      atMs: at(phase.at) ?? 0,
      taskIds: phase.tasks.map((t) => t.id),
    };
  });

  const checklist: ChecklistItem[] = Object.entries(raw.checklist ?? {}).flatMap(([category, items]) =>
    items.map((item, i) => ({
      id: item.id,
      category,
      title: item.title,
      owner: item.owner,
      description: item.description,
      check: item.check && call(item.check.action, item.check.with, item.check.timeout),
      path: ['checklist', category, i],
    })),
  );

  const window =
    raw.window === undefined
      ? undefined
      : { startMs: at(raw.window.start) ?? 0, endMs: at(raw.window.end) ?? 0 };

  return {
    version: 1,
    name: raw.name,
    title: raw.title ?? raw.name,
    description: raw.description,
    goLive: raw.goLive,
    window,
    concurrency: defaults.concurrency,
    roles: Object.fromEntries(
      Object.entries(raw.roles).map(([id, r]) => [id, { title: r.title ?? id, members: r.members }]),
    ),
    people: raw.people ?? {},
    connections: Object.fromEntries(
      Object.entries(raw.connections ?? {}).map(([id, c]) => [
        id,
        { kind: c.kind, url: c.url, options: c.options ?? {} },
      ]),
    ),
    checklist,
    phases,
    tasks,
    monitors: (raw.monitors ?? []).map((m) => ({
      id: m.id,
      title: m.title ?? m.id,
      call: { action: m.action, with: m.with ?? NO_PARAMS, timeoutMs: undefined },
      fromMs: at(m.from),
      untilMs: at(m.until),
      intervalMs: ms(m.interval) ?? 30_000,
      initialDelayMs: ms(m.initialDelay) ?? 0,
      count: m.count,
      failWhen: m.failWhen,
      successWhen: m.successWhen,
      failureLimit: m.failureLimit ?? 0,
      inconclusiveLimit: m.inconclusiveLimit ?? 0,
      consecutiveErrorLimit: m.consecutiveErrorLimit ?? 4,
      consecutiveSuccessLimit: m.consecutiveSuccessLimit,
      dryRun: m.dryRun ?? false,
      debounce: m.debounce && {
        failureThreshold: m.debounce.failureThreshold ?? 1,
        recoveryThreshold: m.debounce.recoveryThreshold ?? 1,
      },
    })),
    channels: raw.channels ?? [],
    requireRehearsal: raw.live?.requireRehearsal ?? false,
    rollback: {
      auto: raw.rollback?.auto ?? false,
      decisionDeadlineMs: ms(raw.rollback?.decisionDeadline),
      default: raw.rollback?.default ?? 'rollback',
      ponrWarningsMs: (raw.rollback?.ponrWarnings ?? []).map((w) => ms(w) ?? 0).sort((a, b) => b - a),
      verify:
        raw.rollback?.verify &&
        call(raw.rollback.verify.action, raw.rollback.verify.with, raw.rollback.verify.timeout),
      followUp: (raw.rollback?.followUp ?? []).map((f) => ({
        id: f.id,
        title: f.title,
        owner: f.owner,
        dueMs: ms(f.due),
      })),
      criteria: (raw.rollback?.criteria ?? []).map((c) => ({
        id: c.id,
        title: c.title,
        monitor: c.monitor,
        task: c.task,
        when: c.when ?? (c.monitor ? 'monitor-failed' : c.task ? 'task-failed' : 'manual'),
        decisionDeadlineMs: ms(c.decisionDeadline),
        default: c.default,
      })),
      steps: (raw.rollback?.steps ?? []).map((s) => ({
        id: s.id,
        title: s.title,
        owner: s.owner,
        call: call(s.action, s.with, s.timeout),
        timeoutMs: ms(s.timeout),
        budgetMs: ms(s.budget) ?? 0,
        retry: retryPolicy(s.retry, undefined),
        idempotent: s.idempotent,
        inverseOf: s.inverse,
        undoes: s.undoes ?? [],
      })),
    },
  };
}
