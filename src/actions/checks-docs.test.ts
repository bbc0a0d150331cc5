import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPlan } from '../core/plan/load-plan.js';
import { builtinActions } from './builtin-actions.js';

const NOTES = new URL('../../docs/actions.md', import.meta.url);
const examples = [...readFileSync(NOTES, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m) => parse(m[1] ?? '') as { action?: string; with?: unknown })
  .filter((e) => typeof e?.action === 'string');

describe('documented examples of checks, SQL, notify and smoke', () => {
  const registry = builtinActions();

  it('covers every action of this area', () => {
    const documented = new Set(examples.map((e) => e.action));
    for (const type of [
      'http.check',
      'tcp.check',
      'tls.check',
      'sql.assert',
      'sql.query',
      'notify',
      'smoke',
    ]) {
      expect(documented.has(type), type).toBe(true);
    }
  });

  it.each(examples.map((e) => [e.action, e] as const))(
    '%s example validates against its schema',
    (_type, example) => {
      const action = registry.get(example.action ?? '');
      expect(action).toBeDefined();
      const result = action!.params.safeParse(example.with);
      expect(result.error?.issues ?? []).toEqual([]);
    },
  );

  it('validates a plan using these actions with unresolved secret references, and reports bad params by path', () => {
    const plan = (status: string) => `version: 1
name: checks-demo
title: Checks demo
goLive: 2026-12-05T02:00:00Z
window: { start: T-2h, end: T+2h }
roles:
  ops: { title: Operations, members: [bob] }
connections:
  new-db: { kind: postgres, url: "\${env:NEW_DB_URL}" }
phases:
  - id: verify
    at: T-0
    tasks:
      - id: healthz
        title: New environment answers
        owner: ops
        action: http.check
        with: { url: "\${env:NEW_URL}/healthz", expect: { status: ${status} }, attempts: 3, interval: 5s }
      - id: orders-empty
        title: No orders written to the new database yet
        owner: ops
        action: sql.assert
        with: { connection: new-db, query: "SELECT count(*) FROM orders", expect: { value: 0 } }
      - id: announce
        title: Announce
        owner: ops
        action: notify
        with: { title: "{{run.planTitle}} is live", channels: [{ type: slack, url: "\${env:SLACK_WEBHOOK}" }] }
`;
    const good = loadPlan(plan('200'), { actions: registry.catalog() });
    expect(good.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const bad = loadPlan(plan('"20x"'), { actions: registry.catalog() });
    expect(bad.plan).toBeUndefined();
    expect(bad.issues.map((i) => i.message).join('\n')).toContain(
      "expected a status such as 200, '2xx' or '200-299'",
    );
  });
});
