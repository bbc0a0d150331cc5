import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';
import { OFFSET_PATTERN } from './offset.js';
import { CONNECTION_KINDS } from '../action-types.js';

/**
 * The plan file's shape, format v1 (SPEC §2), as written by people. Shape only: cross-references, cycles,
 * windows and secrets are checked by `validatePlan`. Objects are strict so unknown keys are reported.
 */

export const ID_PATTERN = '^[a-z0-9][a-z0-9-]*$';
const idRe = new RegExp(ID_PATTERN);
const durationRe = new RegExp(DURATION_PATTERN);
const offsetRe = new RegExp(OFFSET_PATTERN);

export const id = () =>
  z.string().regex(idRe, { error: 'ids use lower-case letters, digits and dashes, e.g. final-backup' });
export const duration = () =>
  z
    .string({ error: "expected a duration such as '30s', '10m' or '1h30m'" })
    .regex(durationRe, {
      error: "expected a duration such as '30s', '10m' or '1h30m' (units d, h, m, s in that order)",
    })
    .refine((s) => s !== '', { error: 'a duration cannot be empty' });
export const offset = () =>
  z
    .string({ error: "expected an offset from T-0 such as 'T-4h', 'T-1h30m', 'T-0' or 'T+30m'" })
    .regex(offsetRe, { error: "expected an offset from T-0 such as 'T-4h', 'T-1h30m', 'T-0' or 'T+30m'" });

const params = () =>
  z.record(z.string(), z.unknown(), { error: 'expected a mapping of action parameters' }).meta({
    description: "The action's parameters; secrets only by reference: ${env:NAME} or ${file:PATH}.",
  });

export const retrySchema = z.strictObject({
  attempts: z.int().min(1).max(100).meta({ description: 'Total attempts, the first one included.' }),
  backoff: duration().optional().meta({ description: 'Wait before the second attempt.' }),
  factor: z
    .number()
    .min(1)
    .max(10)
    .optional()
    .meta({ description: 'Backoff multiplier per attempt (default 2).' }),
  maxBackoff: duration().optional(),
  nonRetryable: z.array(z.string()).optional().meta({ description: 'Error codes that are never retried.' }),
});

export const checkSchema = z.strictObject({
  action: z.string(),
  with: params().optional(),
  timeout: duration().optional(),
});

export const taskSchema = z.strictObject({
  id: id(),
  title: z.string().optional(),
  description: z.string().optional(),
  type: z.enum(['task', 'gate', 'wait']).optional().meta({ description: 'task (default), gate or wait.' }),
  owner: id().optional().meta({ description: 'The role that owns the task: only its members complete it.' }),
  action: z
    .string()
    .optional()
    .meta({ description: 'Automated task: the action to run, e.g. shell, http.check.' }),
  with: params().optional(),
  after: z.array(id()).optional().meta({ description: 'Task ids this task waits for.' }),
  estimate: duration().optional(),
  timeout: duration().optional(),
  retry: retrySchema.optional(),
  idempotent: z
    .boolean()
    .optional()
    .meta({ description: 'Safe to re-run after a crash (overrides the action).' }),
  critical: z.boolean().optional().meta({
    description: 'Its failure fires the rollback criteria with `when: task-failed` that name no task.',
  }),
  // gate
  voters: z.array(id()).optional().meta({ description: 'Gate: the roles whose members vote.' }),
  quorum: z
    .union([z.enum(['all', 'majority']), z.int().min(1)], {
      error: "expected 'all', 'majority' or a number of votes",
    })
    .optional(),
  requires: z.array(z.string()).optional().meta({
    description: "Gate: what must be complete first: 'checklist', 'checklist.CATEGORY', or item/task ids.",
  }),
  deadline: offset().optional(),
  onTimeout: z.enum(['go', 'no-go']).optional(),
  // wait
  until: offset().optional().meta({ description: 'Wait: until this time.' }),
  condition: checkSchema.extend({ interval: duration().optional() }).optional(),
});

export const phaseSchema = z.strictObject({
  id: id(),
  at: offset().meta({ description: "When the phase's tasks may start, relative to T-0." }),
  title: z.string().optional(),
  description: z.string().optional(),
  tasks: z.array(taskSchema),
});

export const checklistItemSchema = z.strictObject({
  id: id(),
  title: z.string(),
  owner: id(),
  description: z.string().optional(),
  check: checkSchema
    .optional()
    .meta({ description: 'An automated check; without it a member of the owner role signs off.' }),
});

export const monitorSchema = z.strictObject({
  id: id(),
  title: z.string().optional(),
  action: z.string(),
  with: params().optional(),
  from: offset().optional(),
  until: offset().optional(),
  interval: duration(),
  initialDelay: duration().optional(),
  count: z.int().min(1).optional(),
  failWhen: z
    .string()
    .optional()
    .meta({ description: "Condition on 'result' that makes a measurement failed." }),
  successWhen: z.string().optional(),
  failureLimit: z
    .int()
    .min(-1, { error: 'failureLimit is a number of failed measurements (0 or more), or -1 to never fail' })
    .optional()
    .meta({ description: 'Failed measurements tolerated (default 0); -1: never fail on failures.' }),
  inconclusiveLimit: z.int().min(0).optional(),
  consecutiveErrorLimit: z.int().min(0).optional(),
  consecutiveSuccessLimit: z
    .int()
    .min(1)
    .optional()
    .meta({ description: 'Consecutive successful measurements that end the monitor as successful.' }),
  dryRun: z
    .boolean()
    .optional()
    .meta({ description: 'Measure and record, but never fire a criterion or decide the go-live.' }),
  debounce: z
    .strictObject({
      failureThreshold: z.int().min(1).max(100).optional(),
      recoveryThreshold: z.int().min(1).max(100).optional(),
    })
    .optional()
    .meta({
      description:
        'Health-check debouncing: consecutive failures before a measurement counts as failed (default 1), consecutive successes before it counts as successful again (default 1).',
    }),
});

/**
 * What fires a rollback criterion: a monitor failing, a task failing (any, or those marked `critical: true`
 * with `task-failed` and no `task:`), the window no longer fitting, a data comparison finding differences,
 * or a person's declaration (`manual`).
 */
export const CRITERION_WHEN = [
  'window-exceeded',
  'monitor-failed',
  'task-failed',
  'data-differences',
  'manual',
] as const;

/** What a pending decision turns into at its deadline. */
export const DECISION_DEFAULTS = ['rollback', 'continue'] as const;

export const criterionSchema = z.strictObject({
  id: id(),
  title: z.string(),
  monitor: id().optional(),
  task: id().optional(),
  when: z.enum(CRITERION_WHEN).optional(),
  description: z.string().optional(),
  decisionDeadline: duration().optional().meta({
    description: "How long people have to decide once this criterion fires (overrides rollback's).",
  }),
  default: z.enum(DECISION_DEFAULTS).optional().meta({
    description: "What happens when nobody decided by the deadline (overrides rollback's).",
  }),
});

export const rollbackStepSchema = z.strictObject({
  id: id(),
  title: z.string(),
  owner: id().optional(),
  action: z.string().optional(),
  with: params().optional(),
  budget: duration().meta({ description: 'The time this step may take.' }),
  timeout: duration().optional(),
  retry: retrySchema.optional(),
  idempotent: z.boolean().optional(),
  inverse: id().optional().meta({
    description:
      "A forward task this step undoes by running its action's inverse with the values recorded when it ran.",
  }),
  undoes: z.array(id()).optional().meta({
    description: 'Forward tasks this step puts back (by hand or by its own action), for rollback coverage.',
  }),
});

export const planSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1, { error: 'expected version: 1' }),
    name: id(),
    title: z.string().optional(),
    description: z.string().optional(),
    goLive: z.iso
      .datetime({ offset: true, error: 'expected an ISO-8601 time with a zone, e.g. 2026-12-05T02:00:00Z' })
      .optional()
      .meta({ description: 'T-0. A run may override it.' }),
    window: z.strictObject({ start: offset(), end: offset() }).optional(),
    defaults: z
      .strictObject({
        estimate: duration().optional(),
        timeout: duration().optional(),
        retry: retrySchema.optional(),
        concurrency: z.int().min(1).optional(),
      })
      .optional(),
    roles: z.record(id(), z.strictObject({ title: z.string().optional(), members: z.array(id()) })),
    people: z
      .record(
        id(),
        z.strictObject({
          name: z.string().optional(),
          email: z.string().optional(),
          phone: z.string().optional(),
          slack: z.string().optional(),
        }),
      )
      .optional(),
    connections: z
      .record(
        id(),
        z.strictObject({
          kind: z.enum(CONNECTION_KINDS),
          url: z.string().optional(),
          options: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .optional(),
    checklist: z.record(id(), z.array(checklistItemSchema)).optional(),
    phases: z.array(phaseSchema).min(1, { error: 'a plan needs at least one phase' }),
    monitors: z.array(monitorSchema).optional(),
    channels: z.array(params()).optional().meta({
      description:
        "The run's channels: where tminus announces the go-live watch (criteria fired, decisions asked and taken, the point of no return, rollback started, success). Same entries as notify's channels; comms off/test/on honoured.",
    }),
    live: z
      .strictObject({
        requireRehearsal: z.boolean().optional().meta({
          description:
            'Refuse a live run unless a rehearsal of this exact plan (same content hash) ended completed or rolled back.',
        }),
      })
      .optional(),
    rollback: z
      .strictObject({
        auto: z.boolean().optional(),
        decisionDeadline: duration().optional().meta({
          description: 'How long people have to decide after a criterion fires, before the default applies.',
        }),
        default: z.enum(DECISION_DEFAULTS).optional().meta({
          description: 'What happens when nobody decided by the deadline (default: rollback).',
        }),
        ponrWarnings: z
          .array(duration())
          .optional()
          .meta({ description: 'Warn this long before the point of no return, e.g. [30m, 10m].' }),
        verify: checkSchema.optional().meta({
          description: 'A check that the legacy side is healthy, run after the last rollback step.',
        }),
        followUp: z
          .array(
            z.strictObject({
              id: id(),
              title: z.string(),
              owner: id().optional(),
              due: duration().optional(),
            }),
          )
          .optional()
          .meta({
            description: 'Tasks recorded in the run once it has rolled back (the post-rollback analysis).',
          }),
        criteria: z.array(criterionSchema).optional(),
        steps: z.array(rollbackStepSchema).optional(),
      })
      .optional(),
  })
  .meta({ title: 'tminus plan, format v1' });

export type RawPlan = z.infer<typeof planSchema>;
export type RawTask = z.infer<typeof taskSchema>;
export type RawRetry = z.infer<typeof retrySchema>;
