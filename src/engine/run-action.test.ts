import { describe, expect, it } from 'vitest';
import { loadPlan } from '../core/plan/load-plan.js';
import { ActionRegistry } from '../actions/action-registry.js';
import { builtinActions } from '../actions/builtin-actions.js';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { ActionRunInput } from './run-action.js';
import { actionsUsed, requireActions, runAction } from './run-action.js';
import type { ActionCall, Plan } from '../core/plan/plan.js';
import { ScaledClock } from './scaled-clock.js';
import { SystemClock } from './system-clock.js';
import { Redactor } from './redactor.js';
import { z } from 'zod';
import type { ActionDefinition } from './action.js';

const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A complete `runAction` input for one call, with the parts a test cares about overridden. */
function actionInput(plan: Plan, call: ActionCall, overrides: Partial<ActionRunInput> = {}): ActionRunInput {
  return {
    plan,
    call,
    actions: builtinActions(),
    clock: new SystemClock(),
    logger: quietLogger,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '.' },
    signal: new AbortController().signal,
    attempt: 1,
    dryRun: false,
    run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: 0, stepId: 'a', stepTitle: 'A' },
    ...overrides,
  };
}

const text = `version: 1
name: h
roles: { ops: { members: [bob] } }
connections: { db: { kind: sqlite, url: ":memory:" } }
checklist:
  infra: [{ id: up, title: Up, owner: ops, check: { action: tcp.check, with: { host: 127.0.0.1, port: 1 } } }]
phases:
  - id: p
    at: T-0
    tasks:
      - { id: c, owner: ops, action: http.check, with: { url: "http://127.0.0.1:1/" } }
      - { id: w, type: wait, owner: ops, condition: { action: sql.assert, with: { connection: db, query: "select 1", expect: { rows: 1 } } } }
rollback:
  steps: [{ id: back, title: Back, action: shell, with: { run: "true" }, budget: 1m }]
`;

describe('actions a run needs', () => {
  const plan = loadPlan(text).plan!;

  it('collects the actions of tasks, wait conditions, checks and rollback steps', () => {
    expect(actionsUsed(plan)).toEqual(['http.check', 'shell', 'sql.assert', 'tcp.check']);
  });

  it('refuses to start a run whose plan uses an action this build does not have, naming every one', () => {
    const partial = new ActionRegistry().register(builtinActions().get('shell')!);
    expect(() => requireActions(plan, partial)).toThrow(
      'the plan uses action(s) not available here: http.check, sql.assert, tcp.check',
    );
    expect(() => requireActions(plan, builtinActions())).not.toThrow();
  });
});

describe('action timeouts in a sped-up rehearsal', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // Answers after 300 ms of real time: slow, but well inside a 5 s timeout.
    server = createServer((_req, res) => setTimeout(() => res.end('ok'), 300));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const run = (timeoutClock: SystemClock | undefined) => {
    const text = `version: 1
name: t
roles: { ops: { members: [a] } }
phases:
  - { id: p, at: T-0, tasks: [{ id: c, owner: ops, action: http.check, with: { url: "http://127.0.0.1:${port}/", timeout: 5s } }] }
`;
    const plan = loadPlan(text).plan!;
    const now = Date.now();
    return runAction(
      actionInput(plan, plan.tasks[0]!.call!, {
        clock: new ScaledClock({ atMs: now, realMs: now, speed: 1000 }),
        ...(timeoutClock ? { timeoutClock } : {}),
        run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: now, stepId: 'c', stepTitle: 'c' },
      }),
    );
  };

  it('measures a network timeout in real time even when the run clock runs 1000 times faster', async () => {
    await expect(run(new SystemClock())).resolves.toMatchObject({ summary: expect.stringContaining('200') });
  });

  it('would time out on the compressed clock, which is why the engine passes a real one', async () => {
    await expect(run(undefined)).rejects.toThrow(/no answer within/);
  });
});

const PROBE_CALL: ActionCall = { action: 'probe', with: {}, timeoutMs: undefined };
const TSIG_SECRET = { env: { TSIG: 'c2VjcmV0LXZhbHVl' }, baseDir: '.' };

describe('connections an action asks for', () => {
  const withOptions = loadPlan(`version: 1
name: c
roles: { ops: { members: [bob] } }
connections:
  dns: { kind: dns, url: 'dns://127.0.0.1:53', options: { tsig: { name: k, algorithm: hmac-sha256, secret: '\${env:TSIG}' } } }
phases: [{ id: p, at: T-0, tasks: [{ id: a, owner: ops, action: shell, with: { run: 'true' } }] }]
`).plan!;
  const probe: ActionDefinition<Record<string, never>> = {
    type: 'probe',
    description: 'returns the options of connection dns',
    params: z.object({}),
    idempotent: true,
    execute: (ctx) => Promise.resolve({ summary: 'ok', output: { options: ctx.connection('dns').options } }),
  };
  const run = (dryRun: boolean, redactor = new Redactor()) =>
    runAction(
      actionInput(withOptions, PROBE_CALL, {
        actions: new ActionRegistry().register(probe as ActionDefinition<unknown>),
        redactor: redactor,
        secrets: TSIG_SECRET,
        dryRun: dryRun,
      }),
    );

  it('get the options written in the plan, with secret references resolved and masked in results', async () => {
    const redactor = new Redactor();
    let seen: unknown;
    const spy: ActionDefinition<Record<string, never>> = {
      ...probe,
      execute: (ctx) => ((seen = ctx.connection('dns').options), Promise.resolve({ summary: 'ok' })),
    };
    await runAction(
      actionInput(withOptions, PROBE_CALL, {
        actions: new ActionRegistry().register(spy as ActionDefinition<unknown>),
        redactor: redactor,
        secrets: TSIG_SECRET,
        dryRun: false,
      }),
    );
    expect(seen).toEqual({ tsig: { name: 'k', algorithm: 'hmac-sha256', secret: 'c2VjcmV0LXZhbHVl' } });
    const result = await run(false, redactor);
    expect(result.output).toEqual({
      options: { tsig: { name: 'k', algorithm: 'hmac-sha256', secret: '***' } },
    });
  });

  it('come with the real-time clock of a sped-up rehearsal as ctx.realClock', async () => {
    const runClock = new SystemClock();
    const wall = new SystemClock();
    let clocks: unknown[] = [];
    const spy: ActionDefinition<Record<string, never>> = {
      ...probe,
      execute: (ctx) => ((clocks = [ctx.clock, ctx.realClock]), Promise.resolve({ summary: 'ok' })),
    };
    await runAction(
      actionInput(withOptions, PROBE_CALL, {
        actions: new ActionRegistry().register(spy as ActionDefinition<unknown>),
        clock: runClock,
        timeoutClock: wall,
        secrets: TSIG_SECRET,
      }),
    );
    expect(clocks[0]).toBe(runClock);
    expect(clocks[1]).toBe(wall);
  });

  it('keep references as written in a dry run, which needs no secrets', async () => {
    const probeDry: ActionDefinition<Record<string, never>> = {
      ...probe,
      plan: (ctx) => Promise.resolve({ summary: JSON.stringify(ctx.connection('dns').options), changes: [] }),
    };
    const result = await runAction(
      actionInput(withOptions, PROBE_CALL, {
        actions: new ActionRegistry().register(probeDry as ActionDefinition<unknown>),
        dryRun: true,
      }),
    );
    expect(result.summary).toContain('${env:TSIG}');
  });
});
