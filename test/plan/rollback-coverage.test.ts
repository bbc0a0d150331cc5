import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { draftRollback } from '../../src/core/rollback/draft-rollback.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { computeSchedule } from '../../src/core/schedule/schedule.js';
import { cli } from '../support/cli.js';

const catalog = builtinActions().catalog(ACTION_TYPES);
const load = (text: string) => loadPlan(text, { actions: catalog });
const issuesOf = (text: string) =>
  load(text)
    .issues.filter((i) => i.code !== 'dns-ttl-not-lowered')
    .map((i) => `${i.position?.line}:${i.position?.col} ${i.severity} ${i.code} ${i.message}`);

/** A DNS switch and an HAProxy shift; `ROLLBACK` is replaced by each test's rollback steps. */
const SWITCH = `version: 1
name: switch
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+2h }
roles:
  net: { members: [nina] }
phases:
  - id: switch
    at: T-0
    tasks:
      - id: switch-dns
        title: Point www at new
        owner: net
        action: dns.update
        with: { server: 127.0.0.1:5300, zone: shop.test, name: www, type: A, ttl: 60, value: 192.0.2.20, expect: 192.0.2.10 }
        estimate: 2m
      - id: shift
        title: Move traffic
        owner: net
        action: traffic.shift
        with: { provider: haproxy, socket: /run/haproxy.sock, backend: app, from: legacy, to: new }
        after: [switch-dns]
        estimate: 10m
rollback:
  steps:
ROLLBACK`;
const withRollback = (steps: string) => SWITCH.replace('ROLLBACK', steps);

describe('validate: rollback coverage', () => {
  it('warns at each forward change no rollback step undoes, at the step', () => {
    const text = withRollback('    - { id: declare, title: Declare, owner: net, budget: 5m }\n');
    expect(issuesOf(text)).toEqual([
      "14:17 warning change-not-undone 'switch-dns' changes dns www.shop.test A and no rollback step undoes it",
      "20:17 warning change-not-undone 'shift' changes traffic weights of haproxy /run/haproxy.sock backend app and no rollback step undoes it",
    ]);
    expect(load(text).plan).toBeDefined();
  });

  it('counts inverse:, undoes: and a rollback action on the same target as undoing', () => {
    const text = withRollback(
      [
        '    - { id: undo-shift, title: Back to legacy, owner: net, budget: 5m, inverse: shift }',
        '    - id: dns-back',
        '      title: DNS back',
        '      owner: net',
        '      budget: 2m',
        '      action: dns.update',
        '      with: { server: 127.0.0.1:5300, zone: shop.test, name: www.shop.test., type: A, ttl: 300, value: 192.0.2.10 }',
        '',
      ].join('\n'),
    );
    expect(issuesOf(text)).toEqual([]);
    const byHand = withRollback(
      '    - { id: by-hand, title: Put both back, owner: net, budget: 5m, undoes: [switch-dns, shift] }\n',
    );
    expect(issuesOf(byHand)).toEqual([]);
  });

  it('counts a rollback step that is exactly the inverse call as undoing', () => {
    const plan = load(
      withRollback('    - { id: x, title: X, owner: net, budget: 1m, undoes: [shift] }\n'),
    ).plan!;
    const inverse = catalog.inverse!('dns.update', plan.tasks[0]!.call!.with)!;
    const text = withRollback(
      `    - { id: x, title: X, owner: net, budget: 1m, undoes: [shift] }\n    - { id: y, title: Y, budget: 1m, action: ${inverse.action}, with: ${JSON.stringify(inverse.with)} }\n`,
    );
    expect(issuesOf(text)).toEqual([]);
  });

  it('warns at a change planned to finish after the point of no return', () => {
    // The window ends at T+2h; a 115-minute rollback leaves a point of no return at T+5m, before the shift ends.
    const text = withRollback(
      '    - { id: undo, title: Undo, owner: net, budget: 115m, undoes: [switch-dns, shift] }\n',
    );
    expect(issuesOf(text)).toEqual([
      "20:17 warning change-after-point-of-no-return 'shift' is planned to finish at T+12m, after the point of no return (T+5m): the rollback needs 1h55m and only 1h48m of the window would be left",
    ]);
  });

  it('refuses inverse: and undoes: naming unknown tasks, inverse: of a manual task, inverse with an action', () => {
    const text = withRollback(
      [
        '    - { id: a, title: A, owner: net, budget: 1m, inverse: shfit, undoes: [switch-dsn, shift] }',
        '    - { id: b, title: B, owner: net, budget: 1m, inverse: shift, action: wait, with: { duration: 1s } }',
        '',
      ].join('\n'),
    );
    const found = issuesOf(text).filter((i) => i.includes(' error '));
    expect(found).toEqual([
      "26:59 error unknown-task unknown task 'shfit'",
      "26:75 error unknown-task unknown task 'switch-dsn'",
      "27:59 error inverse-with-action rollback step 'b' has both inverse: 'shift' and an action",
    ]);
    const manual = SWITCH.replace(
      '      - id: shift\n',
      '      - id: call-it\n        owner: net\n        estimate: 1m\n      - id: shift\n',
    ).replace(
      'ROLLBACK',
      '    - { id: a, title: A, budget: 1m, inverse: call-it, undoes: [switch-dns, shift] }\n',
    );
    expect(issuesOf(manual)).toEqual([
      "29:47 error inverse-without-action inverse: 'call-it' is a manual task: there is no action to undo",
    ]);
  });
});

const lab = readFileSync(new URL('../../examples/dns-haproxy/plan.yaml', import.meta.url), 'utf8');

describe('tminus rollback draft', () => {
  it('drafts the DNS + HAProxy example: the last change first, inverse: of each, budgets from estimates', () => {
    const plan = load(lab).plan!;
    const drafted = draftRollback(plan, catalog, computeSchedule(plan)).map((d) => d.step);
    expect(drafted).toEqual([
      {
        id: 'undo-shift-traffic',
        title: 'Undo: Move HAProxy traffic from legacy to new in steps',
        owner: 'network',
        budget: '5m',
        inverse: 'shift-traffic',
      },
      {
        id: 'undo-switch-dns',
        title: 'Undo: Point www.shop.test at the new environment (compare-and-swap on legacy)',
        owner: 'network',
        budget: '1m',
        inverse: 'switch-dns',
      },
    ]);
  });

  it('drafts the webapp template, and the draft pasted into the plan validates with nothing left undone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tminus-draft-'));
    expect((await cli(['init', '--template', 'webapp'], { cwd: dir })).code).toBe(0);
    const r = await cli(['rollback', 'draft', 'plan.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    const steps = parse(r.stdout) as Record<string, unknown>[];
    expect(steps).toEqual([
      {
        id: 'undo-update-config',
        title: expect.stringMatching(/^Undo: /),
        owner: 'tech',
        budget: '5m',
        inverse: 'update-config',
      },
      {
        id: 'undo-final-sync',
        title: expect.stringMatching(/^Undo: /),
        owner: 'dba',
        budget: '15m',
        inverse: 'final-sync',
      },
    ]);
    expect(r.stdout).toMatch(/# undoes final-sync \(phase begin, planned T-3h15m → T-3h\) with sql\.query/);
    // Pasted as the first rollback steps, every forward change is covered.
    const text = readFileSync(join(dir, 'plan.yaml'), 'utf8');
    const indented = r.stdout
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => `    ${l}`)
      .join('\n');
    const pasted = text.replace(/^ {2}steps:\n/m, `  steps:\n${indented}\n`);
    const { plan, issues } = load(pasted);
    expect(plan).toBeDefined();
    expect(issues.filter((i) => i.code.startsWith('change-'))).toEqual([]);
  });

  it('drafts a manual step listing undoes: for a change its action cannot invert from its parameters', () => {
    const text = withRollback('    - { id: d, title: D, owner: net, budget: 1m, undoes: [shift] }\n').replace(
      ', expect: 192.0.2.10 }',
      ' }',
    );
    const plan = load(text).plan!;
    const drafted = draftRollback(plan, catalog, computeSchedule(plan));
    expect(drafted.map((d) => d.step)).toContainEqual({
      id: 'undo-switch-dns',
      title: 'Undo: Point www at new',
      owner: 'net',
      budget: '2m',
      undoes: ['switch-dns'],
    });
    expect(drafted.find((d) => d.step.id === 'undo-switch-dns')?.comment).toMatch(/put it back by hand/);
  });

  it('every inverse a built-in action drafts is a valid call of its own action', () => {
    const plans = [
      lab,
      withRollback('    - { id: d, title: D, owner: net, budget: 1m, undoes: [switch-dns, shift] }\n'),
    ];
    for (const text of plans) {
      const plan = load(text).plan!;
      for (const task of plan.tasks) {
        if (!task.call) continue;
        const inverse = catalog.inverse!(task.call.action, task.call.with);
        if (inverse) expect(catalog.checkParams!(inverse.action, inverse.with)).toEqual([]);
      }
    }
    const freeze = catalog.inverse!('data.sync-wait', {
      source: 'legacy-db',
      target: 'new-db',
      freeze: 'read-only',
    });
    expect(freeze?.action).toBe('sql.query');
    expect(catalog.checkParams!(freeze!.action, freeze!.with)).toEqual([]);
  });

  it('writes --out, refuses to overwrite without --force, and reports a bad plan or file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tminus-draft-'));
    writeFileSync(join(dir, 'plan.yaml'), lab);
    const first = await cli(['rollback', 'draft', 'plan.yaml', '--out', 'rollback.yaml'], { cwd: dir });
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toContain('wrote 2 rollback step(s) to rollback.yaml');
    expect(readFileSync(join(dir, 'rollback.yaml'), 'utf8')).toContain('inverse: shift-traffic');
    const again = await cli(['rollback', 'draft', 'plan.yaml', '--out', 'rollback.yaml'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--out: rollback.yaml already exists');
    expect(
      (await cli(['rollback', 'draft', 'plan.yaml', '--out', 'rollback.yaml', '--force'], { cwd: dir })).code,
    ).toBe(0);
    writeFileSync(join(dir, 'bad.yaml'), lab.replace('estimate: 1m', 'estimate: soon'));
    const bad = await cli(['rollback', 'draft', 'bad.yaml'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("'estimate': expected a duration");
    const missing = await cli(['rollback', 'draft', 'nope.yaml'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('plan file not found');
  });
});
