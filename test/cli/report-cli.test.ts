import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/core/plan/duration.js';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { launchChromium } from '../support/chromium.js';
import { cli, waitFor } from '../support/cli.js';

/*
 * Real runs made with the engine (a rehearsal with --auto-approve, then one with real votes that rolls back
 * by itself when its smoke test fails), each with a data comparison between two SQLite files; the report's
 * figures are checked against the journal the runs wrote.
 */

const dir = mkdtempSync(join(tmpdir(), 'tminus-report-'));
const store = join(dir, '.tminus', 'tminus.db');
const SECRET = 'hunter2-report-secret';
const env = { TMINUS_STORE: store, DB_PASSWORD: SECRET };
const run = (args: string[]) => cli(args, { cwd: dir, env });
const HOSTILE = `<img src=x onerror=alert(1)> | *pipe* [link](http://evil.test) </td></table><script>alert(2)</script>`;
const failFlag = join(dir, 'fail-smoke.flag');

const plan = `version: 1
name: report-shop
title: 'Shop move <b>bold</b>'
goLive: 2026-12-05T02:00:00Z
window: { start: T-1h, end: T+1h }
roles:
  lead: { members: [alice] }
  tech: { members: [bob] }
connections:
  legacy: { kind: sqlite, url: 'sqlite:${join(dir, 'legacy.db')}' }
  new: { kind: sqlite, url: 'sqlite:${join(dir, 'new.db')}' }
checklist:
  infrastructure:
    - { id: target-up, title: Target answers, owner: tech, check: { action: shell, with: { run: 'true' } } }
phases:
  - id: decide
    at: T-30m
    tasks:
      - { id: go-no-go, type: gate, title: Go / no-go, voters: [lead, tech], quorum: all, requires: [checklist] }
  - id: cut
    at: T-25m
    tasks:
      - id: backup
        title: ${JSON.stringify(HOSTILE)}
        owner: tech
        action: shell
        with: { run: 'echo "using $DB_PASSWORD"', env: { DB_PASSWORD: '\${env:DB_PASSWORD}' } }
        estimate: 5m
      - id: compare
        title: Compare the items
        owner: tech
        action: data.compare
        with: { source: legacy, target: new, tables: [items], failOn: never }
        after: [backup]
        estimate: 2m
      - id: smoke
        title: Smoke test
        owner: tech
        action: shell
        with: { run: 'test ! -e ${failFlag}' }
        after: [compare]
        estimate: 1m
rollback:
  auto: true
  criteria:
    - { id: smoke-failed, title: Smoke test failed, task: smoke }
  steps:
    - { id: switch-back, title: Point users back, owner: tech, action: shell, with: { run: 'true' }, budget: 5m }
`;

let rehearsalId = '';
let rollbackId = '';

const journal = async (runId: string): Promise<readonly RunEvent[]> => {
  const s = SqliteStore.open(store);
  try {
    return await s.readEvents(runId);
  } finally {
    await s.close();
  }
};

const runIds = async (): Promise<string[]> => {
  const s = SqliteStore.open(store);
  try {
    return (await s.listRuns()).map((r) => r.runId);
  } finally {
    await s.close();
  }
};

function database(path: string, rows: readonly [number, string][]): void {
  const db = new Database(path);
  db.exec(
    'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL); DELETE FROM items;',
  );
  const insert = db.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
  for (const r of rows) insert.run(...r);
  db.close();
}

/** A task's row in the Markdown tasks table: its cells. */
const taskRow = (md: string, id: string): string[] => {
  const line = md.split('\n').find((l) => l.startsWith(`| ${id} `) && l.split(' | ').length >= 8);
  if (!line) throw new Error(`no row for ${id}`);
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());
};

beforeAll(async () => {
  writeFileSync(join(dir, 'plan.yaml'), plan);
  database(join(dir, 'legacy.db'), [
    [1, 'apple'],
    [2, 'pear'],
  ]);
  database(join(dir, 'new.db'), [
    [1, 'apple'],
    [2, 'pear'],
  ]);
  const first = await run(['run', 'plan.yaml', '--speed', '1000', '--auto-approve']);
  expect(first.code, first.stdout + first.stderr).toBe(0);
  rehearsalId = (await runIds())[0]!;

  // The second run: the new side drifted, people vote, and the smoke test fails.
  database(join(dir, 'new.db'), [
    [1, 'apple'],
    [2, 'pear'],
    [3, 'plum'],
  ]);
  writeFileSync(failFlag, '');
  const second = run(['run', 'plan.yaml', '--speed', '200']);
  await waitFor(async () => (await runIds()).length === 2, 'the second run to start');
  rollbackId = (await runIds()).find((id) => id !== rehearsalId)!;
  await waitFor(
    async () => (await journal(rollbackId)).some((e) => e.data.type === 'step.waiting'),
    'the gate to open',
  );
  expect(
    (
      await run([
        'vote',
        'go-no-go',
        'go',
        '--as',
        'alice',
        '--run',
        rollbackId,
        '--reason',
        'checklist green',
      ])
    ).code,
  ).toBe(0);
  expect(
    (
      await run([
        'vote',
        'go-no-go',
        'go',
        '--as',
        'bob',
        '--run',
        rollbackId,
        '--reason',
        'backups verified',
      ])
    ).code,
  ).toBe(0);
  const done = await second;
  expect(done.stdout).toContain('ROLLED-BACK');
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tminus report, Markdown, against the journal', () => {
  it('states the outcome, the duration and the task counts the journal holds', async () => {
    const r = await run(['report', rehearsalId]);
    expect(r.code, r.stderr).toBe(0);
    const events = await journal(rehearsalId);
    const started = events[0]!;
    const ended = events.find((e) => e.data.type === 'run.ended')!;
    expect(r.stdout).toContain(`- **Duration:** ${formatDuration(ended.atMs - started.atMs)}`);
    expect(r.stdout).toContain('- **Outcome:** completed');
    const succeeded = new Set(
      events.flatMap((e) =>
        e.data.type === 'step.succeeded' || e.data.type === 'step.completed'
          ? [e.data.stepId]
          : e.data.type === 'gate.decided' && e.data.outcome === 'go'
            ? [e.data.gateId]
            : [],
      ),
    );
    expect(r.stdout).toContain(
      `- **Tasks:** 4: ${succeeded.size} succeeded, 0 skipped, 0 abandoned, 0 not done`,
    );
    // Each automated task's actual duration: first start to success, from the journal.
    for (const id of ['backup', 'compare', 'smoke']) {
      const start = events.find((e) => e.data.type === 'step.started' && e.data.stepId === id)!;
      const end = events.find((e) => e.data.type === 'step.succeeded' && e.data.stepId === id)!;
      expect(taskRow(r.stdout, id)[5]).toBe(formatDuration(end.atMs - start.atMs));
    }
    expect(r.stdout).toContain(`| ${events.length} | `);
    expect(r.stdout).toMatch(/Journal verification: INTACT — \d+ events/);
  }, 60_000);

  it('records the votes with their reasons, the automatic rollback, its budget and the data differences', async () => {
    const r = await run(['report', '--run', rollbackId]);
    expect(r.code, r.stderr).toBe(0);
    const events = await journal(rollbackId);
    const votes = events.filter((e) => e.data.type === 'gate.voted');
    expect(votes).toHaveLength(2);
    for (const v of votes) {
      const d = v.data as Extract<RunEvent['data'], { type: 'gate.voted' }>;
      expect(r.stdout).toMatch(new RegExp(`\\| ${v.actor} \\| ${d.vote} \\| [^|]+ \\| ${d.reason} \\|`));
    }
    expect(r.stdout).toContain('- **Outcome:** rolled-back');
    const rb = events.find((e) => e.data.type === 'rollback.started')!;
    expect(r.stdout).toContain(`- **Started:** `);
    expect(r.stdout).toContain(`by ${rb.actor}`);
    expect(r.stdout).toContain('- **Criterion:** smoke-failed');
    const sbStart = events.find((e) => e.data.type === 'step.started' && e.data.stepId === 'switch-back')!;
    const sbEnd = events.find((e) => e.data.type === 'step.succeeded' && e.data.stepId === 'switch-back')!;
    expect(r.stdout).toContain(`- **Budget used:** ${formatDuration(sbEnd.atMs - sbStart.atMs)} of 5m`);
    // The failure and how it was settled.
    expect(r.stdout).toMatch(/\| smoke \(held\) \| attempt 1 failed: [^|]+\| abandoned/);
    // The data comparison's per-table figures.
    expect(r.stdout).toMatch(/\| items \| different \| 2 \| 3 \| 0 \| 1 \| 0 \|/);
    // The earlier rehearsal is compared.
    expect(r.stdout).toContain(`| ${rehearsalId} | rehearsal | completed |`);
    expect(r.stdout).toContain('**What went well**');
    expect(r.stdout).toContain('**Where we got lucky**');
  }, 60_000);

  it('never shows a secret and escapes hostile titles', async () => {
    const r = await run(['report', rollbackId]);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain('<img');
    expect(r.stdout).not.toContain('<script');
    expect(r.stdout).toContain('&lt;img src=x onerror=alert(1)> \\| \\*pipe\\*');
    // The hostile title stays in its own cell: the row has the table's eight columns.
    const cells = taskRow(r.stdout, 'backup');
    expect(cells).toHaveLength(8);
    expect(cells[1]).toContain('onerror=alert(1)');
    expect(cells[2]).toBe('succeeded');
  }, 60_000);
});

describe('tminus report --json', () => {
  it("prints the report's model, its figures the journal's", async () => {
    const r = await run(['report', rollbackId, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(r.stdout) as {
      run: { runId: string; outcome: string; events: number };
      summary: { tasks: { total: number; abandoned: number } };
      rollback: { criterionId: string };
      audit: { verdict: { status: string } };
    };
    const events = await journal(rollbackId);
    expect(model.run).toMatchObject({ runId: rollbackId, outcome: 'rolled-back', events: events.length });
    expect(model.summary.tasks.total).toBe(4);
    expect(model.rollback.criterionId).toBe('smoke-failed');
    expect(model.audit.verdict.status).toBe('intact');
    expect(r.stdout).not.toContain(SECRET);
  });

  it('refuses --json with --format or --out', async () => {
    const r = await run(['report', rollbackId, '--json', '--format', 'html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--json prints the report model');
  });
});

describe('tminus report, HTML and PDF', () => {
  it('writes one self-contained page that Chromium shows with every section and no network request', async () => {
    const out = join(dir, 'review.html');
    const r = await run(['report', rollbackId, '--out', 'review.html']);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain(SECRET);
    expect(html).not.toMatch(/<script|<link|src=["']?http|url\(/i);
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      const alerts: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      page.on('dialog', (d) => {
        alerts.push(d.message());
        void d.dismiss();
      });
      await page.goto(`file://${out}`);
      const sections = await page.$$eval('section', (els) => els.map((e) => e.id));
      expect(sections).toEqual([
        'outcome',
        'impact',
        'milestones',
        'timeline',
        'late',
        'decisions',
        'failures',
        'rollback',
        'data',
        'monitors',
        'readiness',
        'rehearsals',
        'lessons',
        'audit',
      ]);
      expect(await page.locator('#timeline svg rect').count()).toBeGreaterThan(4);
      expect(await page.locator('#rollback svg').count()).toBe(1);
      expect(await page.locator('img, script, iframe').count()).toBe(0);
      expect(await page.locator('#timeline td', { hasText: 'onerror=alert(1)' }).count()).toBe(1);
      expect(await page.locator('#decisions').innerText()).toContain('backups verified');
      expect(alerts).toEqual([]);
      expect(requests.filter((u) => u !== `file://${out}`)).toEqual([]);
    } finally {
      await close();
    }
  }, 120_000);

  it('prints a PDF through Chromium', async () => {
    const r = await run(['report', rehearsalId, '--format', 'pdf', '--out', 'review.pdf']);
    expect(r.code, r.stderr).toBe(0);
    const pdf = readFileSync(join(dir, 'review.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  }, 120_000);
});

describe('tminus report, bad input', () => {
  it('names an unknown run, quoted, with exit 2', async () => {
    const r = await run(['report', 'no-such-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no run 'no-such-run'");
  });

  it('refuses an unknown format, quoted, with exit 2 and writes nothing', async () => {
    const r = await run(['report', rehearsalId, '--format', 'docx', '--out', 'x.docx']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format: 'docx' is not a report format");
    expect(r.stderr).toContain('md, html, pdf');
    expect(existsSync(join(dir, 'x.docx'))).toBe(false);
  });

  it('names an --out it cannot write, with exit 2', async () => {
    const target = join(dir, 'no-such-dir', 'r.md');
    const r = await run(['report', rehearsalId, '--out', target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write the report to '${target}'`);
  });

  it('keeps an existing report (lessons may be written in it) unless --force', async () => {
    writeFileSync(join(dir, 'kept.md'), 'lessons we wrote');
    const r = await run(['report', rehearsalId, '--out', 'kept.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists');
    expect(readFileSync(join(dir, 'kept.md'), 'utf8')).toBe('lessons we wrote');
    expect((await run(['report', rehearsalId, '--out', 'kept.md', '--force'])).code).toBe(0);
    expect(readFileSync(join(dir, 'kept.md'), 'utf8')).toContain('# Post-migration review');
  });

  it('asks for --out with a PDF, and refuses two different runs', async () => {
    const pdf = await run(['report', rehearsalId, '--format', 'pdf']);
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('a PDF report needs --out FILE');
    const two = await run(['report', rehearsalId, '--run', rollbackId]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(`two runs given: '${rehearsalId}' and --run '${rollbackId}'`);
  });
});
