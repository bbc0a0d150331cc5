import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadPlan } from '../../src/core/load-plan.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const planBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((m) => m[1]!)
  .filter((block) => block.startsWith('version: 1'));

describe('documented examples', () => {
  it('the README has a plan example', () => expect(planBlocks.length).toBeGreaterThan(0));

  it.each(planBlocks.map((b, i) => [i, b] as const))(
    'README plan example %i validates without errors',
    (_, block) => {
      const { plan, issues } = loadPlan(block);
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(plan).toBeDefined();
    },
  );
});

const actionRows = [...readme.matchAll(/^\|\s*`([a-z.-]+)`\s*\|[^|]+\|\s*`(\{.*\})`\s*\|$/gm)].map(
  (m) => [m[1]!, m[2]!] as const,
);

describe('the README table of actions', () => {
  it('lists every action tminus has', async () => {
    const { builtinActions } = await import('../../src/actions/builtin-actions.js');
    expect(actionRows.map(([type]) => type).sort()).toEqual(builtinActions().types());
  });

  it.each(actionRows)('the %s example is valid', async (type, params) => {
    const { builtinActions } = await import('../../src/actions/builtin-actions.js');
    const plan = `version: 1
name: readme
roles: { ops: { members: [alice] } }
connections:
  primary-dns: { kind: dns, url: 'dns://127.0.0.1:53' }
  legacy-db: { kind: postgres, url: '\${env:LEGACY_DB_URL}' }
  new-db: { kind: postgres, url: '\${env:NEW_DB_URL}' }
phases:
  - id: p
    at: T-0
    tasks:
      - id: t
        owner: ops
        action: ${type}
        with: ${params}
`;
    const { issues } = loadPlan(plan, { actions: builtinActions().catalog() });
    expect(issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([]);
  });
});
