import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tminus init, validate and plan, as a newcomer runs them', () => {
  it.each(['webapp', 'minimal'])(
    'writes the %s template, which validates cleanly and schedules',
    (template) => {
      const target = join(dir, template);
      const init = runCli(['init', target, '--template', template], dir);
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`template: ${template}`);
      const plan = join(target, 'plan.yaml');
      expect(readFileSync(plan, 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=.*schema\/plan-v1\.schema\.json$/m,
      );

      const validate = runCli(['validate', plan], dir);
      expect(validate.stdout).toContain('is valid');
      expect(validate.stdout).not.toContain('warning');
      expect(validate.code).toBe(0);

      const scheduled = runCli(['plan', plan, '--json'], dir);
      expect(scheduled.code).toBe(0);
      const json = JSON.parse(scheduled.stdout) as Record<string, unknown> & {
        tasks: Record<string, unknown>[];
      };
      expect(Object.keys(json)).toEqual(
        expect.arrayContaining(['tasks', 'criticalPath', 'expectedEnd', 'pointOfNoReturn', 'warnings']),
      );
      for (const t of json.tasks) {
        expect(Object.keys(t)).toEqual(
          expect.arrayContaining(['id', 'phase', 'plannedStart', 'plannedFinish', 'slackMs', 'critical']),
        );
        expect(Date.parse(t.plannedStart as string)).not.toBeNaN();
      }
      expect(json.warnings).toEqual([]);
    },
  );

  it('schedules the webapp template as the runbook intends', () => {
    const json = JSON.parse(runCli(['plan', join(dir, 'webapp', 'plan.yaml'), '--json'], dir).stdout) as {
      tasks: { id: string; plannedStart: string; plannedFinish: string; critical: boolean }[];
      criticalPath: string[];
      pointOfNoReturn: string;
      expectedEnd: string;
    };
    const task = (id: string) => json.tasks.find((t) => t.id === id)!;
    expect(task('go-no-go').plannedStart).toBe('2026-12-04T02:00:00.000Z');
    expect(task('final-backup').plannedStart).toBe('2026-12-04T22:15:00.000Z'); // after stop-jobs (T-3h45m)
    expect(task('active-monitoring').plannedFinish).toBe('2026-12-05T06:00:00.000Z');
    expect(json.criticalPath).toEqual(['active-monitoring', 'review-functionality', 'declare-success']);
    expect(json.expectedEnd).toBe('2026-12-05T07:00:00.000Z');
    // window end T+6h minus 55m of rollback budgets
    expect(json.pointOfNoReturn).toBe('2026-12-05T07:05:00.000Z');
  });

  it('prints a readable table with a Gantt and the key times', () => {
    const out = runCli(['plan', join(dir, 'minimal', 'plan.yaml')], dir).stdout;
    expect(out).toMatch(/TASK\s+PHASE\s+OWNER\s+START\s+FINISH\s+TAKES\s+SLACK\s+TIMELINE/);
    expect(out).toMatch(/\*\s+switch-traffic\s+switch\s+ops\s+T-0\s+T\+10m\s+10m\s+0s\s+ *█+/);
    expect(out).toContain('point of no return   T+1h40m');
    expect(out).toContain('critical path        switch-traffic → check-new');
  });

  it('overrides T-0 with --go-live, including now+10m', () => {
    const plan = join(dir, 'minimal', 'plan.yaml');
    const iso = JSON.parse(
      runCli(['plan', plan, '--json', '--go-live', '2027-01-01T00:00:00Z'], dir).stdout,
    ) as { goLive: string };
    expect(iso.goLive).toBe('2027-01-01T00:00:00.000Z');
    const before = Date.now();
    const rel = JSON.parse(runCli(['plan', plan, '--json', '--go-live', 'now+10m'], dir).stdout) as {
      goLive: string;
    };
    expect(Date.parse(rel.goLive) - before).toBeGreaterThanOrEqual(600_000 - 1000);
    expect(Date.parse(rel.goLive) - before).toBeLessThan(660_000);
  });

  it('refuses to overwrite an existing plan unless told to, and leaves it untouched', () => {
    const plan = join(dir, 'minimal', 'plan.yaml');
    writeFileSync(plan, readFileSync(plan, 'utf8') + '# my edits\n');
    const again = runCli(['init', join(dir, 'minimal'), '--template', 'minimal'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(plan, 'utf8')).toContain('# my edits');
    expect(runCli(['init', join(dir, 'minimal'), '--template', 'minimal', '--force'], dir).code).toBe(0);
    expect(readFileSync(plan, 'utf8')).not.toContain('# my edits');
  });

  it('prints the JSON Schema that the package ships', () => {
    const out = runCli(['schema'], dir);
    expect(out.code).toBe(0);
    const shipped = readFileSync(new URL('../../schema/plan-v1.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(out.stdout)).toEqual(JSON.parse(shipped));
    expect(JSON.parse(shipped).properties.phases.type).toBe('array');
  });
});

describe('tminus actions', () => {
  it('lists every action of the format, and for each available one whether it is idempotent', () => {
    const out = runCli(['actions', '--json'], dir);
    expect(out.code).toBe(0);
    const { actions } = JSON.parse(out.stdout) as {
      actions: { type: string; available: boolean; idempotent: boolean | null; description: string }[];
    };
    expect(actions.map((a) => a.type)).toEqual(
      expect.arrayContaining(['shell', 'http.check', 'dns.update', 'data.compare']),
    );
    for (const a of actions) {
      expect(a.description.length).toBeGreaterThan(0);
      expect(a.idempotent === null).toBe(!a.available);
    }
  });
});

describe('exit codes and messages for bad input', () => {
  it('exits 1 with file:line:col for an invalid plan, in text and JSON', () => {
    const plan = join(dir, 'bad.yaml');
    writeFileSync(
      plan,
      'version: 1\nname: bad\nroles: {}\nphases:\n  - id: p\n    at: T-0\n    tasks:\n      - { id: t, ownr: x }\n',
    );
    const text = runCli(['validate', plan], dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`${plan}:8:18  error  unknown key 'ownr'  (unknown-key)`);
    expect(text.stdout).toContain("hint: did you mean 'owner'?");
    const json = runCli(['validate', plan, '--json'], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      errors: 2,
      issues: [
        { code: 'missing-owner', line: 8, col: 9 },
        { code: 'unknown-key', line: 8, col: 18 },
      ],
    });
    const planned = runCli(['plan', plan], dir);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain('unknown-key');
  });

  it('exits 2 for a missing file, a directory, an unknown flag, an unknown template and a bad --go-live', () => {
    expect(runCli(['validate', join(dir, 'nope.yaml')], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('plan file not found'),
    });
    expect(runCli(['validate', dir], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is a directory'),
    });
    expect(runCli(['validate', '--bogus', 'x'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown option '--bogus'"),
    });
    expect(runCli(['validate'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("missing required argument 'file'"),
    });
    expect(runCli(['init', join(dir, 'x'), '--template', 'nope'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown template 'nope'"),
    });
    const plan = join(dir, 'minimal', 'plan.yaml');
    expect(runCli(['plan', plan, '--go-live', 'tomorrow'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("'tomorrow' is not a time"),
    });
    expect(runCli(['frobnicate'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown command 'frobnicate'"),
    });
  }, 180_000); // seven real CLI processes: slow to start on a loaded machine

  it('exits 2 when no T-0 is known', () => {
    const plan = join(dir, 'nogo.yaml');
    writeFileSync(
      plan,
      'version: 1\nname: nogo\nroles: { ops: { members: [a] } }\nphases:\n  - { id: p, at: T-0, tasks: [{ id: t, owner: ops }] }\n',
    );
    expect(runCli(['plan', plan], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no goLive'),
    });
  });

  it('exits 0 with help and version', () => {
    expect(runCli(['--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringContaining('validate') });
    expect(runCli(['--version'], dir).code).toBe(0);
  });
});
