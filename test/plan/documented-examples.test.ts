import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadPlan } from '../../src/core/plan/load-plan.js';

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

/*
 * Every YAML block of the user docs is a plan or a piece of one: a whole plan (`version: 1`), a task (a mapping
 * with `action`), a list of tasks or of rollback steps (items with a `budget`), or top-level sections (`connections:`, `monitors:`, …). Pieces are set into
 * a small plan that has the roles and connections the docs use, and validated with the real action catalog.
 */
const docFiles = readdirSync(new URL('../../docs/', import.meta.url))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const docBlocks = docFiles.flatMap((file) => {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m, i) => [`${file} #${i}`, m[1]!] as const);
});

function asPlan(block: string): string {
  const piece: unknown = parseYaml(block);
  if (piece && typeof piece === 'object' && !Array.isArray(piece) && 'version' in piece) return block;
  const members = { members: ['alice'] };
  const plan: Record<string, unknown> = {
    version: 1,
    name: 'docs',
    roles: { ops: members, lead: members, dba: members, network: members, tech: members },
    connections: {
      'legacy-db': { kind: 'postgres', url: '${env:LEGACY_DB_URL}' },
      'new-db': { kind: 'postgres', url: '${env:NEW_DB_URL}' },
    },
    phases: [{ id: 'p', at: 'T-0', tasks: [] as unknown[] }],
  };
  const tasks = (plan.phases as { tasks: unknown[] }[])[0]!.tasks;
  const isStep = (x: unknown) => typeof x === 'object' && x !== null && 'budget' in x;
  if (Array.isArray(piece) && piece.every(isStep)) {
    // Drafted steps name the task they undo (`inverse`), which lives in the plan they were drafted from.
    plan.rollback = {
      steps: (piece as Record<string, unknown>[]).map((step) =>
        Object.fromEntries(Object.entries(step).filter(([k]) => k !== 'inverse')),
      ),
    };
  } else if (Array.isArray(piece)) tasks.push(...(piece as unknown[]));
  else if (piece && typeof piece === 'object' && 'action' in piece) {
    tasks.push({ id: 'doc', owner: 'ops', ...piece });
  } else if (piece && typeof piece === 'object') {
    for (const [k, v] of Object.entries(piece)) {
      plan[k] = k === 'connections' ? { ...(plan.connections as object), ...(v as object) } : v;
    }
  }
  if (tasks.length === 0 && !('phases' in (piece as object))) tasks.push({ id: 'nothing', owner: 'ops' });
  return stringifyYaml(plan);
}

describe('the YAML examples in docs/', () => {
  it('docs/ has plan examples, data validation among them', () => {
    expect(docBlocks.some(([name]) => name.startsWith('docs/data-validation.md'))).toBe(true);
  });

  it.each(docBlocks)('%s validates without errors', async (_, block) => {
    const { builtinActions } = await import('../../src/actions/builtin-actions.js');
    const { issues } = loadPlan(asPlan(block), { actions: builtinActions().catalog() });
    expect(issues.filter((i) => i.severity === 'error').map((i) => `${i.path ?? ''}: ${i.message}`)).toEqual(
      [],
    );
  });
});
