import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActionRegistry } from '../actions/action-registry.js';
import { builtinActions } from '../actions/builtin-actions.js';
import { loadPlan } from '../core/plan/load-plan.js';
import type { TminusError } from '../core/tminus-error.js';
import type { ActionDefinition } from './action.js';
import { Redactor } from './redactor.js';
import { runAction } from './run-action.js';
import { SystemClock } from './system-clock.js';

const plan = (withText: string) => `version: 1
name: refs
title: Numeric references
roles: { ops: { title: Ops, members: [bob] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: ask, title: Ask, owner: ops, action: dns.query, with: ${withText} }
`;

/** A port and a count, as an action would declare them; it returns what it was given. */
const echo: ActionDefinition<{ port: number; tries: number; host: string }> = {
  type: 'echo.numbers',
  description: 'test',
  params: z.strictObject({ port: z.int().min(1).max(65535), tries: z.int().default(1), host: z.string() }),
  idempotent: true,
  execute: (_ctx, p) => Promise.resolve({ summary: 'ok', output: { ...p } }),
};

function run(withParams: Record<string, unknown>, env: Record<string, string>) {
  const registry = new ActionRegistry().register(echo);
  const text = `version: 1
name: e
title: E
roles: { ops: { title: Ops, members: [bob] } }
phases: [{ id: p, at: T-0, tasks: [{ id: a, title: A, owner: ops, action: echo.numbers, with: { port: 1, host: x } }] }]
`;
  const loaded = loadPlan(text, { actions: registry.catalog() }).plan!;
  return runAction({
    plan: loaded,
    call: { action: 'echo.numbers', with: withParams, timeoutMs: undefined },
    actions: registry,
    clock: new SystemClock(),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    redactor: new Redactor(),
    secrets: { env, baseDir: '.' },
    signal: new AbortController().signal,
    attempt: 1,
    dryRun: false,
    run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: 0, stepId: 'a', stepTitle: 'A' },
  });
}

describe('numeric parameters written as references', () => {
  const catalog = builtinActions().catalog();

  it('validate accepts a whole ${env:…} reference where a number is expected, and nothing else that is text', () => {
    const ok = loadPlan(
      plan("{ name: www.example.com, servers: ['127.0.0.1:5300'], port: '${env:DNS_PORT}' }"),
      {
        actions: catalog,
      },
    );
    expect(ok.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const text = loadPlan(plan("{ name: www.example.com, servers: ['127.0.0.1'], port: 'fifty-three' }"), {
      actions: catalog,
    });
    expect(text.issues.map((i) => i.message)).toContainEqual(
      expect.stringContaining("'port': expected a number"),
    );
    const mixed = loadPlan(plan("{ name: www.example.com, servers: ['127.0.0.1'], port: '5${env:P}' }"), {
      actions: catalog,
    });
    expect(mixed.issues.some((i) => i.message.includes("'port'"))).toBe(true);
  });

  it('resolves it when the step runs and hands the action a number, range checks included', async () => {
    const r = await run({ port: '${env:PORT}', host: 'db' }, { PORT: '5300' });
    expect(r.output).toEqual({ port: 5300, tries: 1, host: 'db' });
    await expect(run({ port: '${env:PORT}', host: 'db' }, { PORT: '70000' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('fails the step naming the reference, never its value, when it does not hold a number', async () => {
    const error = (await run({ port: '${env:PORT}', host: 'db' }, { PORT: 'hunter2' }).catch(
      (e: unknown) => e,
    )) as TminusError;
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toBe("echo.numbers: 'port': ${env:PORT} does not hold a number");
    expect(error.message).not.toContain('hunter2');
  });
});
