import { z } from '@hono/zod-openapi';

/**
 * The API's bodies and answers. These schemas validate requests and generate `/openapi.json`, so the
 * document cannot drift from what the server accepts.
 */
const reason = z.string().trim().min(1).max(2_000);

export const ReasonBody = z
  .strictObject({ reason: reason.optional().openapi({ example: 'done by hand on the primary' }) })
  .openapi('ReasonBody');

export const RequiredReasonBody = z
  .strictObject({ reason: reason.openapi({ example: 'error rate above 5% for 10 minutes' }) })
  .openapi('RequiredReasonBody');

export const VoteBody = z
  .strictObject({
    vote: z.enum(['go', 'no-go']),
    reason: reason.optional().openapi({ description: 'Required for no-go.' }),
  })
  .openapi('VoteBody');

export const SignBody = z
  .strictObject({ note: z.string().trim().min(1).max(2_000).optional() })
  .openapi('SignBody');

export const RebaselineBody = z
  .strictObject({
    goLive: z.iso.datetime({ offset: true }).openapi({ example: '2026-12-05T02:30:00Z' }),
    reason: reason.optional(),
  })
  .openapi('RebaselineBody');

const idText = (what: string) =>
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/, `${what} ids are lower-case letters, digits and dashes`);

export const DeclareBody = z
  .discriminatedUnion('what', [
    z
      .strictObject({
        what: z.literal('success'),
        reason: reason.optional().openapi({
          description: 'Required unless every monitor already finished successful.',
        }),
      })
      .openapi('DeclareSuccess'),
    z
      .strictObject({
        what: z.literal('criterion'),
        criterionId: idText('criterion').openapi({ example: 'security-finding' }),
        reason: reason.openapi({ example: 'pen-test found the admin page open' }),
      })
      .openapi('DeclareCriterion'),
  ])
  .openapi('DeclareBody', {
    description:
      'Declare the go-live a success, or declare a `when: manual` rollback criterion (it fires like any other).',
  });

export const DecisionBody = z
  .strictObject({
    decision: z.enum(['continue', 'rollback']),
    reason: reason.openapi({ example: 'errors are from one tenant, fixed forward' }),
    override: z
      .boolean()
      .optional()
      .openapi({ description: 'Roll back after the point of no return, knowingly.' }),
  })
  .openapi('DecisionBody');

const id = (name: string, what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, `${what} ids are lower-case letters, digits and dashes`)
    .openapi({ param: { name, in: 'path' }, example: name === 'runId' ? 'r-20261205-0200' : 'stop-jobs' });

export const RunParams = z.object({
  runId: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'runId', in: 'path' } }),
});
export const TaskParams = RunParams.extend({
  taskId: id('taskId', 'task'),
  act: z.enum(['complete', 'fail', 'skip', 'retry']).openapi({ param: { name: 'act', in: 'path' } }),
});
export const GateParams = RunParams.extend({ gateId: id('gateId', 'gate') });
export const ItemParams = RunParams.extend({ itemId: id('itemId', 'checklist item') });
export const CriterionParams = RunParams.extend({ criterionId: id('criterionId', 'criterion') });
export const PhaseParams = RunParams.extend({ phaseId: id('phaseId', 'phase') });
export const ControlParams = RunParams.extend({
  act: z.enum(['pause', 'resume', 'abort']).openapi({ param: { name: 'act', in: 'path' } }),
});

export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: 'Events with seq above this.' }),
  limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
});

export const ErrorAnswer = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'NOT_ALLOWED' }),
      message: z.string(),
      hint: z.string().optional(),
      issues: z.array(z.object({ where: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

export const EventAnswer = z
  .object({
    seq: z.number().int(),
    atMs: z.number(),
    actor: z.string(),
    type: z.string(),
    text: z.string().openapi({ description: 'The event in words, as `tminus log` prints it.' }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');

export const ActAnswer = z.object({ events: z.array(EventAnswer) }).openapi('ActResult');

export const RunsAnswer = z
  .object({
    runs: z.array(
      z.object({
        runId: z.string(),
        planName: z.string(),
        createdAtMs: z.number(),
        lastSeq: z.number(),
        ended: z.boolean(),
      }),
    ),
  })
  .openapi('Runs');

export const MeAnswer = z
  .object({ person: z.string(), role: z.enum(['person', 'viewer']), tokenId: z.string() })
  .openapi('Me');

export const RunViewAnswer = z.record(z.string(), z.unknown()).openapi('RunView', {
  description:
    'The run as the dashboard shows it: run, clock, roles, schedule (critical path, point of no return), phases, tasks with state and lateness, gates with votes, checklist with evidence, rollback steps, who owes what.',
});

export const ChecksAnswer = z
  .object({ checks: z.array(z.object({ itemId: z.string(), ok: z.boolean(), summary: z.string() })) })
  .openapi('ChecksResult');
