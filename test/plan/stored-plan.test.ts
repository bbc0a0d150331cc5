import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/core/load-plan.js';
import { storedPlan } from '../../src/core/stored-plan.js';
import { TminusError } from '../../src/core/tminus-error.js';
import { generatePlan } from './generate-plan.js';

const ROOT = join(import.meta.dirname, '..', '..');
const files = [
  'test/fixtures/rehearsal.yaml',
  'test/fixtures/people.yaml',
  'templates/minimal.yaml',
  'templates/webapp.yaml',
  'demo/plan.yaml',
  'examples/dns-haproxy/plan.yaml',
];

describe('storedPlan (opening a stored run without the plan schema)', () => {
  it.each(files)('builds the same plan as loadPlan from %s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const checked = loadPlan(text).plan;
    expect(checked, file).toBeDefined();
    expect(storedPlan(text, 'run r1')).toEqual(checked);
  });

  it('builds the same plan as loadPlan from a generated 300-task plan', () => {
    const text = generatePlan(300, 6, 7);
    const checked = loadPlan(text).plan;
    expect(checked).toBeDefined();
    expect(storedPlan(text, 'run r1')).toEqual(checked);
  });

  it.each([
    ['text that is not YAML', 'version: 1\nphases: [\n', 'run r1'],
    ['a list', '- a\n- b\n', 'not a mapping'],
    ['another format version', 'version: 2\nphases: []\n', 'version is 2, not 1'],
    ['no phases', 'version: 1\nname: x\n', 'phases are not a list'],
    ['a phase without tasks', 'version: 1\nphases:\n  - id: a\n    at: T-0\n', 'phases are not a list'],
  ])('refuses %s as a corrupt store, naming the run', (_, text, detail) => {
    let caught: unknown;
    try {
      storedPlan(text, 'run r1');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TminusError);
    expect((caught as TminusError).code).toBe('STORE_CORRUPT');
    expect((caught as TminusError).message).toContain('the plan stored with run r1 no longer loads');
    expect((caught as TminusError).message).toContain(detail);
  });
});
