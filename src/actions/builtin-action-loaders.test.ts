import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadPlan } from '../core/plan/load-plan.js';
import type { ActionDefinition } from '../engine/action.js';
import { Redactor } from '../engine/redactor.js';
import { loadActions, runAction } from '../engine/run-action.js';
import { SystemClock } from '../engine/system-clock.js';
import { BUILTIN_ACTION_LOADERS, lazyBuiltinActions } from './builtin-action-loaders.js';
import { builtinActions } from './builtin-actions.js';

/** An action that says it ran, and loaders that record which actions were asked for. */
function counted(types: readonly string[]) {
  const asked: string[] = [];
  const make = (type: string) =>
    ({
      type,
      description: type,
      params: z.object({}),
      idempotent: true,
      execute: () => Promise.resolve({ summary: `${type} ran` }),
    }) as unknown as ActionDefinition<never>;
  const loaders = Object.fromEntries(
    types.map((t) => [t, () => (asked.push(t), Promise.resolve(make(t)))] as const),
  );
  return { asked, actions: lazyBuiltinActions(loaders) };
}

describe('built-in actions loaded on demand', () => {
  it('are the same actions as `builtinActions()`, each loaded from its own module', async () => {
    const all = builtinActions();
    expect(Object.keys(BUILTIN_ACTION_LOADERS).sort()).toEqual(all.types());
    const lazy = lazyBuiltinActions();
    await lazy.load(all.types());
    for (const type of all.types()) expect(lazy.get(type), type).toBe(all.get(type));
  });

  it('loads only the actions asked for, once each, and leaves out types it does not have', async () => {
    const { asked, actions } = counted(['shell', 'dns.update', 'http.check']);
    expect(actions.get('shell')).toBeUndefined();
    await actions.load(['shell', 'no.such-action']);
    await actions.load(['shell']);
    expect(asked).toEqual(['shell']);
    expect(actions.get('shell')?.type).toBe('shell');
    expect(actions.get('dns.update')).toBeUndefined();
    expect(actions.get('no.such-action')).toBeUndefined();
  });

  it("loads a plan's actions (`loadActions`) and, on its first call, one the plan does not name", async () => {
    const plan = loadPlan(`version: 1
name: l
roles: { ops: { members: [bob] } }
phases: [{ id: p, at: T-0, tasks: [{ id: a, owner: ops, action: shell, with: { run: 'true' } }] }]
`).plan!;
    const { asked, actions } = counted(['shell', 'sql.query', 'dns.update']);
    await loadActions(plan, actions);
    expect(asked).toEqual(['shell']);
    // An inverse may call another action than the task's (data.sync-wait is undone with sql.query).
    const result = await runAction({
      plan,
      call: { action: 'sql.query', with: {}, timeoutMs: undefined },
      actions,
      clock: new SystemClock(),
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      redactor: new Redactor(),
      secrets: { env: {}, baseDir: '.' },
      signal: new AbortController().signal,
      attempt: 1,
      dryRun: false,
      run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: 0, stepId: 'a', stepTitle: 'A' },
    });
    expect(result.summary).toBe('sql.query ran');
    expect(asked).toEqual(['shell', 'sql.query']);
  });
});
