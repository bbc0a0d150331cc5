import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from './load-plan.js';
import { storableDocument, storedPlan } from './stored-plan.js';
import { TminusError } from '../tminus-error.js';
import { generatePlan } from '../../../test/plan/generate-plan.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const files = [
  'test/fixtures/rehearsal.yaml',
  'test/fixtures/people.yaml',
  'templates/minimal.yaml',
  'templates/webapp.yaml',
  'demo/plan.yaml',
  'examples/dns-haproxy/plan.yaml',
];

describe('storedPlan (opening a stored run without the plan schema)', () => {
  it.each(files)(
    'builds the same plan as loadPlan from %s, from its text and from its stored document',
    async (file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const { plan: checked, document } = loadPlan(text);
      expect(checked, file).toBeDefined();
      expect(await storedPlan({ text }, 'run r1')).toEqual(checked);
      const stored: unknown = JSON.parse(JSON.stringify(storableDocument(document)));
      expect(await storedPlan({ text, document: stored }, 'run r1')).toEqual(checked);
    },
  );

  it('builds the same plan as loadPlan from a generated 300-task plan', async () => {
    const text = generatePlan(300, 6, 7);
    const { plan: checked, document } = loadPlan(text);
    expect(checked).toBeDefined();
    expect(await storedPlan({ text }, 'run r1')).toEqual(checked);
    expect(await storedPlan({ text, document }, 'run r1')).toEqual(checked);
  });

  it('builds from the stored document without reading the text', async () => {
    const { document } = loadPlan(readFileSync(join(ROOT, 'test/fixtures/rehearsal.yaml'), 'utf8'));
    const plan = await storedPlan({ text: 'not: [yaml', document }, 'run r1');
    expect(plan.name).toBe('shop-rehearsal');
    expect(plan.tasks.map((t) => t.id)).toContain('switch-traffic');
  });

  it('keeps a document only when it comes back from JSON as it is', () => {
    expect(storableDocument({ version: 1, phases: [{ id: 'a', tasks: [] }] })).toEqual({
      version: 1,
      phases: [{ id: 'a', tasks: [] }],
    });
    expect(storableDocument({ version: 1, limit: Infinity })).toBeUndefined();
    expect(storableDocument(undefined)).toBeUndefined();
  });

  it.each([
    ['text that is not YAML', 'version: 1\nphases: [\n', 'run r1'],
    ['a list', '- a\n- b\n', 'not a mapping'],
    ['another format version', 'version: 2\nphases: []\n', 'version is 2, not 1'],
    ['no phases', 'version: 1\nname: x\n', 'phases are not a list'],
    ['a phase without tasks', 'version: 1\nphases:\n  - id: a\n    at: T-0\n', 'phases are not a list'],
  ])('refuses %s as a corrupt store, naming the run', async (_, text, detail) => {
    let caught: unknown;
    try {
      await storedPlan({ text }, 'run r1');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TminusError);
    expect((caught as TminusError).code).toBe('STORE_CORRUPT');
    expect((caught as TminusError).message).toContain('the plan stored with run r1 no longer loads');
    expect((caught as TminusError).message).toContain(detail);
  });
});
