import { describe, expect, it } from 'vitest';
import { loadPlan } from '../core/load-plan.js';
import { ActionRegistry } from '../actions/action-registry.js';
import { builtinActions } from '../actions/builtin-actions.js';
import { actionsUsed, requireActions } from './run-action.js';

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
