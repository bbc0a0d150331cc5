import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../core/logger.js';
import type { PersonCommand } from '../core/run/run-commands.js';
import type { RunEvent } from '../core/run/run-event.js';
import { TminusError } from '../core/tminus-error.js';
import type { Principal } from '../engine/access-tokens.js';
import { authenticate } from '../engine/access-tokens.js';
import type { TokenStore } from '../store/store.js';
import {
  ActAnswer,
  ChecksAnswer,
  ControlParams,
  CriterionParams,
  DecisionBody,
  DeclareBody,
  ErrorAnswer,
  EventAnswer,
  EventsQuery,
  GateParams,
  ItemParams,
  MeAnswer,
  PhaseParams,
  ReasonBody,
  RebaselineBody,
  RequiredReasonBody,
  RunParams,
  RunsAnswer,
  RunViewAnswer,
  SignBody,
  TaskParams,
  VoteBody,
} from './api-schemas.js';
import { eventAnswer, eventStream } from './event-stream.js';
import { errorResponse, zodIssues } from './http-error.js';
import { metricsText } from './metrics-text.js';
import type { RunAccess } from './run-access.js';
import type { RunFollowers } from './run-follower.js';

export interface WarRoomDeps {
  readonly access: RunAccess;
  readonly tokens: TokenStore;
  readonly followers: RunFollowers;
  /** Wall-clock now (token expiry). */
  readonly realNow: () => number;
  readonly logger?: Logger;
  /** Extra origins allowed to send writes besides the server's own (e.g. a reverse proxy's). */
  readonly allowedOrigins?: readonly string[];
}

type Env = { Variables: { principal: Principal } };

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const errors = {
  400: { description: 'Malformed request: the answer names each bad field', ...json(ErrorAnswer) },
  401: { description: 'Missing, malformed, unknown, expired or revoked token', ...json(ErrorAnswer) },
  403: { description: 'The person lacks the role, or the token is read-only', ...json(ErrorAnswer) },
  404: { description: 'No such run, task, gate, item or phase', ...json(ErrorAnswer) },
  409: {
    description: "The run's state does not allow it (finished, already done, voting closed)",
    ...json(ErrorAnswer),
  },
};
const bearer = [{ bearer: [] }];
const body = <T>(schema: T, required = true) => ({ body: { required, ...json(schema) } });

const viewerRefusal = (p: Principal) =>
  new TminusError(
    'NOT_ALLOWED',
    `token ${p.tokenId} is a read-only viewer token: ${p.person} can watch, not act`,
    {
      hint: 'ask a run lead for a person token: tminus token create --as PERSON',
    },
  );

/**
 * The war-room HTTP API: every route authenticates a per-person token and calls the same engine functions
 * as the CLI; validation schemas double as the OpenAPI document at `/openapi.json`.
 */
export function createWarRoomApp(deps: WarRoomDeps): OpenAPIHono<Env> {
  const { access, followers } = deps;
  const app = new OpenAPIHono<Env>({
    defaultHook: async (result, c) => {
      if (!result.success) {
        const input =
          result.target === 'json'
            ? await c.req.json().catch(() => undefined)
            : result.target === 'param'
              ? c.req.param()
              : result.target === 'query'
                ? c.req.query()
                : undefined;
        const issues = zodIssues(result.target, result.error, input);
        return c.json(
          {
            error: {
              code: 'USAGE',
              message: issues.map((i) => `${i.where}: ${i.message}`).join('; '),
              issues,
            },
          },
          400,
        );
      }
      return undefined;
    },
  });
  app.onError((err, c) => errorResponse(c, err, deps.logger));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

  // Writes only from the server's own pages (or configured origins): a browser always sends Origin on a
  // cross-site POST, so a page elsewhere cannot drive the API even if it somehow held a token.
  const sameOrigin: MiddlewareHandler<Env> = async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('Origin');
      if (origin !== undefined && origin !== 'null') {
        const self = new URL(c.req.url);
        const host = c.req.header('Host') ?? self.host;
        const ok = origin === `${self.protocol}//${host}` || (deps.allowedOrigins ?? []).includes(origin);
        if (!ok) {
          throw new TminusError('FORBIDDEN_ORIGIN', `requests from origin ${origin} are not accepted`, {
            hint: 'use the dashboard this server serves, or the CLI with --server',
          });
        }
      } else if (origin === 'null') {
        throw new TminusError('FORBIDDEN_ORIGIN', 'requests from an opaque origin (null) are not accepted');
      }
      const type = c.req.header('Content-Type');
      if (type !== undefined && !/^application\/json\b/i.test(type)) {
        return c.json(
          {
            error: { code: 'USAGE', message: `Content-Type ${type} is not accepted; send application/json` },
          },
          415,
        );
      }
    }
    await next();
  };
  const auth: MiddlewareHandler<Env> = async (c, next) => {
    const header = c.req.header('Authorization');
    let token: string | undefined;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) {
        throw new TminusError('UNAUTHENTICATED', 'the Authorization header is not "Bearer <token>"');
      }
      token = m[1];
    }
    c.set('principal', await authenticate(deps.tokens, token, deps.realNow()));
    await next();
  };
  app.use('/api/*', sameOrigin, auth);
  app.use('/metrics', auth);

  const origin = (c: Context<Env>) => {
    let address: string | undefined;
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      address = undefined;
    }
    return { via: 'api' as const, tokenId: c.get('principal').tokenId, address };
  };
  /** Appends as the token's person (a viewer token never changes anything) and answers the events. */
  const appendAs = async (
    c: Context<Env>,
    runId: string,
    write: (person: string) => Promise<readonly RunEvent[]>,
  ) => {
    const p = c.get('principal');
    if (p.role === 'viewer') throw viewerRefusal(p);
    const follower = await followers.get(runId);
    const events = await write(p.person);
    follower.ingest(events);
    return c.json({ events: events.map(eventAnswer) }, 200);
  };
  const act = (c: Context<Env>, runId: string, command: PersonCommand | ((now: number) => PersonCommand)) =>
    appendAs(c, runId, (person) => access.act(runId, person, command, origin(c)));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => {
    const runs = await access.listRuns();
    const views = [];
    for (const r of runs.filter((r, i) => !r.ended || i < 5)) {
      views.push((await (await followers.fresh(r.runId)).view()).view);
    }
    return c.text(metricsText(views), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      summary: 'Who the token stands for',
      security: bearer,
      responses: { 200: { description: 'The person and role', ...json(MeAnswer) }, 401: errors[401] },
    }),
    (c) => c.json(c.get('principal'), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs',
      summary: 'Runs in the store, most recent first',
      security: bearer,
      responses: { 200: { description: 'Runs', ...json(RunsAnswer) }, 401: errors[401] },
    }),
    async (c) => c.json({ runs: [...(await access.listRuns())] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}',
      summary: 'The run at a glance (status): tasks, gates, checklist, schedule, who owes what',
      security: bearer,
      request: { params: RunParams },
      responses: {
        200: { description: 'The run view', ...json(RunViewAnswer) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const f = await followers.fresh(c.req.valid('param').runId);
      return c.body((await f.view()).json, 200, { 'Content-Type': 'application/json' }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}/tasks',
      summary: 'Tasks and rollback steps with state, owner, lateness and who may act',
      security: bearer,
      request: { params: RunParams },
      responses: {
        200: { description: 'Tasks', ...json(RunViewAnswer) },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const { view } = await (await followers.fresh(c.req.valid('param').runId)).view();
      return c.json({ tasks: view.tasks, rollbackSteps: view.rollbackSteps } as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}/events',
      summary: 'The journal, in order (the log)',
      security: bearer,
      request: { params: RunParams, query: EventsQuery },
      responses: {
        200: { description: 'Events', ...json(EventAnswer.array()) },
        400: errors[400],
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      await followers.get(runId);
      const events = await access.readEvents(runId, after, limit);
      return c.json(events.map(eventAnswer), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}/stream',
      summary:
        'Server-sent events: `view` snapshots and every `run-event` (id = seq; send Last-Event-ID to resume)',
      security: bearer,
      request: { params: RunParams },
      responses: {
        200: {
          description: 'text/event-stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        401: errors[401],
        404: errors[404],
      },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      const last = c.req.header('Last-Event-ID') ?? c.req.query('lastEventId') ?? '0';
      if (!/^\d+$/.test(last)) {
        throw new TminusError('USAGE', `Last-Event-ID: '${last.slice(0, 40)}' is not an event number`);
      }
      const follower = await followers.fresh(runId);
      return eventStream(c, access, follower, Number(last)) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/tasks/{taskId}/{act}',
      summary:
        'Complete, fail, skip (reason required) or retry a task or rollback step, as the token’s person',
      security: bearer,
      request: { params: TaskParams, ...body(ReasonBody, false) },
      responses: { 200: { description: 'The events appended', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, taskId, act: kind } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      return act(c, runId, { kind, stepId: taskId, ...(reason ? { reason } : {}) });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/gates/{gateId}/votes',
      summary:
        'Vote go or no-go at a gate (no-go needs a reason; one vote per person; closed at the deadline)',
      security: bearer,
      request: { params: GateParams, ...body(VoteBody) },
      responses: { 200: { description: 'The vote recorded', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, gateId } = c.req.valid('param');
      const { vote, reason } = c.req.valid('json');
      return act(c, runId, { kind: 'vote', gateId, vote, ...(reason ? { reason } : {}) });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/checklist/{itemId}/sign',
      summary: 'Sign off a manual readiness item',
      security: bearer,
      request: { params: ItemParams, ...body(SignBody, false) },
      responses: { 200: { description: 'The sign-off recorded', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, itemId } = c.req.valid('param');
      const { note } = c.req.valid('json');
      return act(c, runId, { kind: 'sign', itemId, ...(note ? { note } : {}) });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/rollback',
      summary: 'Start the rollback procedure (run leads; reason required)',
      security: bearer,
      request: { params: RunParams, ...body(RequiredReasonBody) },
      responses: { 200: { description: 'The rollback started', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => act(c, c.req.valid('param').runId, { kind: 'rollback', reason: c.req.valid('json').reason }),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/declare',
      summary:
        'Declare the go-live a success, or declare a manual rollback criterion (run leads; as `tminus declare`)',
      security: bearer,
      request: { params: RunParams, ...body(DeclareBody) },
      responses: { 200: { description: 'The declaration recorded', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      const b = c.req.valid('json');
      const cmd =
        b.what === 'success'
          ? { kind: 'success' as const, ...(b.reason ? { reason: b.reason } : {}) }
          : { kind: 'declare' as const, criterionId: b.criterionId, reason: b.reason };
      return appendAs(c, runId, (person) => access.actOnWatch(runId, person, cmd, origin(c)));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/criteria/{criterionId}/decision',
      summary:
        'Answer a fired criterion’s decision: continue, or roll back (after the point of no return only with override; as `tminus decide`)',
      security: bearer,
      request: { params: CriterionParams, ...body(DecisionBody) },
      responses: { 200: { description: 'The decision recorded', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, criterionId } = c.req.valid('param');
      const { decision, reason, override } = c.req.valid('json');
      const cmd = {
        kind: 'decide' as const,
        criterionId,
        decision,
        reason,
        ...(override === undefined ? {} : { override }),
      };
      return appendAs(c, runId, (person) => access.actOnWatch(runId, person, cmd, origin(c)));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/rebaseline',
      summary: 'Move T-0 (every time shifts; the journal keeps both)',
      security: bearer,
      request: { params: RunParams, ...body(RebaselineBody) },
      responses: { 200: { description: 'T-0 moved', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { goLive, reason } = c.req.valid('json');
      return act(c, c.req.valid('param').runId, {
        kind: 'rebaseline',
        goLiveMs: Date.parse(goLive),
        ...(reason ? { reason } : {}),
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/phases/{phaseId}/pull',
      summary: 'Let a phase start before its time',
      security: bearer,
      request: { params: PhaseParams, ...body(ReasonBody, false) },
      responses: { 200: { description: 'Pulled forward', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, phaseId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      return act(c, runId, { kind: 'pull', phaseId, ...(reason ? { reason } : {}) });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/checks',
      summary: 'Run the automated readiness checks now and record their evidence (as on `tminus check`)',
      security: bearer,
      request: { params: RunParams },
      responses: { 200: { description: 'What was recorded', ...json(ChecksAnswer) }, ...errors },
    }),
    async (c) => {
      const p = c.get('principal');
      if (p.role === 'viewer') throw viewerRefusal(p);
      const { runId } = c.req.valid('param');
      const follower = await followers.get(runId);
      const recorded = await access.runChecks(runId, origin(c));
      await follower.refresh();
      return c.json(
        { checks: recorded.map((r) => ({ itemId: r.itemId, ok: r.ok, summary: r.summary })) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/{act}',
      summary: 'Pause, resume (un-pause) or abort the run (run leads)',
      security: bearer,
      request: { params: ControlParams, ...body(ReasonBody, false) },
      responses: { 200: { description: 'Done', ...json(ActAnswer) }, ...errors },
    }),
    async (c) => {
      const { runId, act: kind } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const r = reason ? { reason } : {};
      return act(c, runId, kind === 'resume' ? { kind: 'unpause', ...r } : { kind, ...r });
    },
  );

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'tminus war room',
      version: '1',
      description:
        'Every run operation as the token’s person, role-checked exactly as on the CLI. Authenticate with `Authorization: Bearer <token>` (`tminus token create`). Errors: `{ error: { code, message, hint?, issues? } }`.',
    },
  });
  return app;
}
