import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { computeSchedule } from '../../src/core/schedule/schedule.js';
import { BASE, issuesOf } from './plan-text.js';
import { generatePlan } from './generate-plan.js';

describe('bad input never crashes and always points somewhere', () => {
  it('gives the position of a YAML syntax error', () => {
    const text = BASE.replace('      - id: backup\n', "      - id: backup\n        title: 'unclosed\n");
    const issues = issuesOf(text);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatch(/^\d+:\d+ error yaml-syntax YAML: /);
    expect(loadPlan(text).plan).toBeUndefined();
  });

  it('reports a bad indentation at its line', () => {
    const issues = issuesOf('version: 1\nname: x\n  roles: {}\n');
    expect(issues[0]).toMatch(/^[23]:\d+ error yaml-syntax /);
  });

  it('reports an empty file, and a file of only comments', () => {
    expect(issuesOf('')).toEqual([
      '1:1 error empty-plan the plan file is empty | run `tminus init` for a commented starting plan',
    ]);
    expect(issuesOf('# nothing here\n')).toEqual([
      '1:1 error wrong-type a plan is a mapping of keys (version, name, roles, phases, ...)',
    ]);
  });

  it('reports a plan that is a list or a scalar instead of a mapping', () => {
    expect(issuesOf('- a\n- b\n')[0]).toContain('wrong-type a plan is a mapping');
    expect(issuesOf('42\n')[0]).toContain('wrong-type a plan is a mapping');
  });

  it('reports a duplicate key at the second occurrence', () => {
    const text = BASE.replace('        estimate: 10m\n', '        estimate: 10m\n        estimate: 20m\n');
    expect(issuesOf(text)).toEqual([
      '15:9 error duplicate-key duplicate key: a key may appear once in a mapping',
    ]);
  });

  it('refuses binary data', () => {
    const binary = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    expect(issuesOf(binary)).toEqual([
      '1:1 error binary-content the file holds binary data (a NUL byte), not YAML or JSON text',
    ]);
  });

  it('refuses a 50 MB file without parsing it', () => {
    const big = `# ${'x'.repeat(50 * 1024 * 1024)}\n`;
    expect(issuesOf(big)).toEqual(['1:1 error file-too-large plan file is 50.0 MB; the limit is 8 MB']);
  });

  it('survives deeply nested junk', () => {
    for (const text of [
      '['.repeat(100_000),
      `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      '{a: '.repeat(20_000),
    ]) {
      const result = loadPlan(text);
      expect(result.plan).toBeUndefined();
      expect(result.issues.length).toBeGreaterThan(0);
      for (const i of result.issues) expect(i.position?.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('survives an alias bomb', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 10; i++) {
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    }
    const result = loadPlan(bomb.join('\n') + '\n');
    expect(result.plan).toBeUndefined();
    expect(result.issues[0]?.severity).toBe('error');
  });

  it('accepts JSON as well as YAML, with positions', () => {
    const json = JSON.stringify(
      {
        version: 1,
        name: 'j',
        roles: { ops: { members: ['a'] } },
        phases: [{ id: 'p', at: 'T-0', tasks: [{ id: 't', owner: 'opz' }] }],
      },
      null,
      2,
    );
    expect(issuesOf(json)).toEqual(["18:20 error unknown-role unknown role 'opz' | did you mean 'ops'?"]);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(issuesOf(`\uFEFF${BASE}`)).toEqual([]);
  });

  it('validates and schedules a plan of 5,000 tasks', () => {
    const result = loadPlan(generatePlan(5000));
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const schedule = computeSchedule(result.plan!);
    expect(schedule.tasks).toHaveLength(5000);
    expect(schedule.criticalPath.length).toBeGreaterThan(0);
  });
});

describe('fuzzing the parser and validator', () => {
  const check = (text: string) => {
    const result = loadPlan(text);
    // Never a crash; when there is no plan there is at least one error, and every issue has a position.
    if (!result.plan) expect(result.issues.some((i) => i.severity === 'error')).toBe(true);
    for (const i of result.issues) {
      expect(i.position!.line).toBeGreaterThanOrEqual(1);
      expect(i.position!.col).toBeGreaterThanOrEqual(1);
      expect(i.message.length).toBeGreaterThan(0);
    }
  };

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: 500 });
  });

  it('never throws on arbitrary JSON-like values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => check(JSON.stringify(v))),
      { numRuns: 500 },
    );
  });

  it('never throws when lines of a valid plan are deleted, duplicated or mangled', () => {
    const lines = BASE.split('\n');
    const edit = fc.record({
      at: fc.nat({ max: lines.length - 1 }),
      op: fc.constantFrom('delete', 'duplicate', 'truncate', 'indent', 'dedent', 'garble'),
      junk: fc.string({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const copy = [...lines];
        for (const e of edits) {
          const line = copy[e.at % copy.length] ?? '';
          const i = e.at % copy.length;
          if (e.op === 'delete') copy.splice(i, 1);
          else if (e.op === 'duplicate') copy.splice(i, 0, line);
          else if (e.op === 'truncate') copy[i] = line.slice(0, line.length >> 1);
          else if (e.op === 'indent') copy[i] = `  ${line}`;
          else if (e.op === 'dedent') copy[i] = line.replace(/^ {2}/, '');
          else copy[i] = line.replace(/:\s.*$/, `: ${e.junk}`);
        }
        check(copy.join('\n'));
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws when a value is the name of an object's own property (valueOf, constructor, __proto__…)", () => {
    // Found by the fuzz above (`action: valueOf` reached a lookup that read Object.prototype): every value of
    // the plan replaced in turn by each name, and the action's named at once.
    const names = ['valueOf', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype'];
    const lines = BASE.split('\n');
    let replaced = 0;
    for (const [i, line] of lines.entries()) {
      if (!/:\s+\S/.test(line)) continue;
      for (const name of names) {
        const copy = [...lines];
        copy[i] = line.replace(/:\s.*$/, `: ${name}`);
        check(copy.join('\n'));
        replaced++;
      }
    }
    expect(replaced).toBeGreaterThan(names.length * 10);
    for (const name of names) {
      const result = loadPlan(BASE.replace(/action: [\w.-]+/g, `action: ${name}`));
      expect(result.issues.map((i) => i.message)).toContain(`unknown action '${name}'`);
    }
  });

  it('schedules every generated valid plan without violating dependencies or phase times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (n, phases, seed) => {
          const { plan } = loadPlan(generatePlan(n, phases, seed));
          const schedule = computeSchedule(plan!);
          const at = new Map(schedule.tasks.map((t) => [t.id, t]));
          for (const task of plan!.tasks) {
            const s = at.get(task.id)!;
            expect(s.startMs).toBeGreaterThanOrEqual(plan!.phases[task.phaseIndex]!.atMs);
            for (const d of task.after) expect(s.startMs).toBeGreaterThanOrEqual(at.get(d)!.finishMs);
            expect(s.slackMs).toBeGreaterThanOrEqual(0);
          }
          expect(Math.max(...schedule.tasks.map((t) => t.finishMs))).toBe(schedule.expectedEndMs);
        },
      ),
      { numRuns: 200 },
    );
  });
});
