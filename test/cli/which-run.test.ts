import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newRunContext } from '../../src/cli/run-context.js';
import { RunSession } from '../../src/engine/run-session.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ROOT, cli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-which-'));
const store = join(dir, '.tminus', 'tminus.db');
const plan = join(dir, 'plan.yaml');
copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), plan);
const env = { TMINUS_STORE: store, TMINUS_TEST_OUT: join(dir, 'out.txt') };
const run = (args: string[]) => cli(args, { cwd: dir, env });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An unfinished run of the plan, as a `tminus run` whose executor was stopped leaves it. */
async function unfinished(runId: string): Promise<void> {
  const s = SqliteStore.open(store);
  try {
    const now = Date.now();
    await RunSession.create(
      s,
      {
        runId,
        atMs: now,
        allowConcurrent: true,
        started: {
          type: 'run.started',
          planName: 'shop-rehearsal',
          planTitle: 'Rehearsal',
          planText: readFileSync(plan, 'utf8'),
          planPath: plan,
          mode: 'rehearsal',
          goLiveMs: now + 3_600_000,
          dryRun: true,
          autoApprove: false,
          comms: 'test',
          speed: 1,
          rollbackSteps: [],
        },
      },
      await newRunContext(
        { stdout: process.stdout, stderr: process.stderr, cwd: dir, env, now: Date.now },
        store,
      ),
    );
  } finally {
    await s.close();
  }
}

const rehearse = [
  'run',
  'plan.yaml',
  '--dry-run',
  '--auto-approve',
  '--speed',
  '5000',
  '--go-live',
  'now+1h',
];

describe('which run a command acts on', () => {
  it('refuses a second unfinished run of a plan unless --concurrent, and lists runs', async () => {
    const first = await run(rehearse);
    // The fixture's gate has no deadline: auto-approved, the run completes however slow the machine is.
    expect(first.stdout, first.stderr).toContain('run ended: COMPLETED');
    await unfinished('left-behind');
    const refused = await run(rehearse);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("plan 'shop-rehearsal' already has an unfinished run");
    expect(refused.stderr).toContain('left-behind');
    expect(refused.stderr).toContain('--concurrent');
    const beside = await run([...rehearse, '--concurrent']);
    expect(beside.stdout, beside.stderr).toContain('run ended: COMPLETED');

    const listed = await run(['runs', '--json']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { runId: string; status: string; outcome: string | null }[];
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r.status === 'ended' && r.outcome === 'completed')).toHaveLength(2);
    expect(rows.find((r) => r.runId === 'left-behind')).toMatchObject({ status: 'running', outcome: null });
    const text = await run(['runs']);
    expect(text.stdout).toMatch(/left-behind +shop-rehearsal +running +rehearsal dry-run {2}T-0 /);
  }, 60_000);

  it('says on stderr which run a command acts on, leaving --json output clean', async () => {
    const status = await run(['status', '--json', '--run', 'left-behind']);
    expect(status.code).toBe(0);
    expect(status.stderr).toContain('run left-behind (plan shop-rehearsal, rehearsal, running) in ');
    expect((JSON.parse(status.stdout) as { runId: string }).runId).toBe('left-behind');
  });

  it('refuses a bare resume when more than one run is unfinished, naming them', async () => {
    await unfinished('also-left');
    const r = await run(['resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /2 unfinished runs in .*: (also-left|left-behind) \(shop-rehearsal\), (also-left|left-behind)/,
    );
    expect(r.stderr).toContain('--run ID');
  });
});
