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
