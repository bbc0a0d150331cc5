import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldRun } from '../../src/core/run/run-state.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { ROOT, cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-cli-'));
const store = join(dir, '.tminus', 'tminus.db');
const env = { TMINUS_STORE: store, DB_PASSWORD: 'hunter2-secret', READY_FLAG: join(dir, 'ready.flag') };
const run = (args: string[], extra: Record<string, string> = {}) =>
  cli(args, { cwd: dir, env: { ...env, ...extra } });
let executor: Spawned;
let follower: Spawned;

const state = async () => {
  const s = SqliteStore.open(store);
  try {
    const runs = await s.listRuns();
    return foldRun(await s.readEvents(runs[0]!.runId));
  } finally {
    await s.close();
  }
};

beforeAll(async () => {
  ensureBuilt();
  copyFileSync(join(ROOT, 'test', 'fixtures', 'people.yaml'), join(dir, 'people.yaml'));
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'rehearsal.yaml'));
  executor = spawnCli(['run', 'people.yaml'], { cwd: dir, env });
  await waitFor(() => executor.output().includes('go-no-go: waiting'), 'the gate to open');
  follower = spawnCli(['log', '--follow'], { cwd: dir, env });
}, 300_000);

afterAll(async () => {
  for (const p of [executor, follower]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all([executor.exited, follower.exited]);
  rmSync(dir, { recursive: true, force: true });
});

describe('acting on a run from another terminal', () => {
  it('refuses a vote from someone without a voter role, naming the role and who holds it', async () => {
    const r = await run(['vote', 'go-no-go', 'go', '--as', 'carol']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("carol may not vote on 'go-no-go'");
    expect(r.stderr).toContain("role 'lead' or 'tech'");
    expect(r.stderr).toContain('lead: alice; tech: bob, dave');
  });

  it('refuses a person who is in no role of the plan', async () => {
    const r = await run(['vote', 'go-no-go', 'go', '--as', 'mallory']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'mallory' is not a member of any role");
  });

  it('requires a person for every human action', async () => {
    const r = await run(['vote', 'go-no-go', 'go']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--as PERSON');
  });

  it('takes the person from TMINUS_AS', async () => {
    const r = await run(['complete', 'stop-jobs'], { TMINUS_AS: 'carol' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("carol may not complete 'stop-jobs'");
  });

  it('requires a reason for a no-go vote', async () => {
    const r = await run(['vote', 'go-no-go', 'no-go', '--as', 'bob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a no-go vote needs a reason');
  });

  it('rejects a vote that is neither go nor no-go', async () => {
    const r = await run(['vote', 'go-no-go', 'maybe', '--as', 'bob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'maybe' is not a vote");
  });

  it('names an unknown task and suggests the closest one', async () => {
    const r = await run(['complete', 'stop-job', '--as', 'bob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no task or rollback step 'stop-job'");
    expect(r.stderr).toContain("did you mean 'stop-jobs'?");
  });

  it('names an unknown run', async () => {
    const r = await run(['status', '--run', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no run 'nope'");
  });

  it('runs the readiness checks with evidence and takes sign-offs from the owner role only', async () => {
    const before = await run(['check']);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(
      '✖ infrastructure/target-ready: ACTION_FAILED: command failed (exit code 1)',
    );
    expect(before.stdout).toContain("✖ communication/users-informed: needs sign-off by role 'lead'");
    writeFileSync(join(dir, 'ready.flag'), '');
    const wrong = await run(['check', '--sign', 'users-informed', '--as', 'bob']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("bob may not sign off 'users-informed'");
    expect((await run(['check', '--sign', 'users-informd', '--as', 'alice'])).stderr).toContain(
      "did you mean 'users-informed'?",
    );
    expect((await run(['check', '--sign', 'users-informed', '--as', 'alice'])).code).toBe(0);
    const after = await run(['check', '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual([
      { id: 'target-ready', category: 'infrastructure', ok: true, summary: 'exit 0' },
      { id: 'users-informed', category: 'communication', ok: true, summary: 'signed off by alice' },
    ]);
    expect((await state()).checks['target-ready']).toMatchObject({ ok: true, evidence: { exitCode: 0 } });
  });

  it('refuses to complete a task that is not waiting for a person yet', async () => {
    const r = await run(['complete', 'stop-jobs', '--as', 'bob']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'stop-jobs' is pending, not waiting for a person");
  });

  it('holds a failing step after its retries, with the secret redacted everywhere', async () => {
    await waitFor(async () => (await state()).steps.flaky?.status === 'held', 'flaky to be held');
    const s = await state();
    expect(s.steps.flaky?.attempt).toBe(2);
    expect(s.steps.flaky?.error?.message).toContain('exit code 3');
    expect(s.steps.flaky?.error?.message).toContain('password=***');
    const log = await run(['log', '--json']);
    expect(log.stdout).not.toContain('hunter2-secret');
    expect(executor.output()).not.toContain('hunter2-secret');
    const status = await run(['status']);
    expect(status.stdout).toMatch(/flaky: carol — decide \(failed\)/);
  });

  it('passes the gate by majority and lets exactly one of two people complete the same task', async () => {
    expect((await run(['vote', 'go-no-go', 'go', '--as', 'alice'])).code).toBe(0);
    expect((await run(['vote', 'go-no-go', 'go', '--as', 'bob'])).code).toBe(0);
    await waitFor(async () => (await state()).steps['stop-jobs']?.status === 'waiting', 'stop-jobs');
    // Two real processes at the same moment.
    const a = spawnCli(['complete', 'stop-jobs', '--as', 'bob'], { cwd: dir, env });
    const b = spawnCli(['complete', 'stop-jobs', '--as', 'dave'], { cwd: dir, env });
    const codes = await Promise.all([a.exited, b.exited]);
    expect(codes.sort()).toEqual([0, 1]);
    const loser = codes[0] === 1 ? a : b;
    expect([a.output(), b.output()].join('\n')).toMatch(/'stop-jobs' is already succeeded \(by (bob|dave)\)/);
    expect(loser).toBeDefined();
    const s = SqliteStore.open(store);
    const runId = (await s.listRuns())[0]!.runId;
    const completions = (await s.readEvents(runId)).filter(
      (e) => e.data.type === 'step.completed' && e.data.stepId === 'stop-jobs',
    );
    await s.close();
    expect(completions).toHaveLength(1);
  }, 300_000);

  it('skips a held step only with a reason, by its owner', async () => {
    const noReason = await run(['skip', 'flaky', '--as', 'carol']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('needs a reason');
    const r = await run(['skip', 'flaky', '--as', 'carol', '--reason', 'done by hand']);
    expect(r.code, r.stderr).toBe(0);
    expect((await state()).steps.flaky?.status).toBe('skipped');
  });

  it('pauses, pulls a phase forward, rebaselines and resumes, as the lead only', async () => {
    expect((await run(['pause', '--as', 'bob'])).stderr).toContain("role 'lead'");
    expect((await run(['pause', '--as', 'alice', '--reason', 'coffee'])).code).toBe(0);
    expect((await state()).status).toBe('paused');
    const bad = await run(['rebaseline', '--go-live', 'tomorrow', '--as', 'alice']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--go-live: 'tomorrow' is not a time");
    expect((await run(['rebaseline', '--go-live', 'now+1h', '--as', 'alice'])).code).toBe(0);
    expect((await state()).goLiveHistory).toHaveLength(2);
    expect((await run(['pull', 'latr', '--as', 'alice'])).stderr).toContain("did you mean 'later'?");
    expect((await run(['pull', 'later', '--as', 'alice'])).code).toBe(0);
    // Paused: the pulled phase does not start yet.
    await new Promise((r) => setTimeout(r, 400));
    expect((await state()).steps.final).toBeUndefined();
    expect((await run(['resume', '--as', 'alice'])).code).toBe(0);
    await waitFor(async () => (await state()).steps.final?.status === 'waiting', 'final to wait');
    expect((await run(['complete', 'final', '--as', 'alice'])).code).toBe(0);
    expect(await executor.exited).toBe(0);
    expect((await state()).outcome).toBe('completed');
  }, 300_000);

  it('follows the journal live until the run ends', async () => {
    expect(await follower.exited).toBe(0);
    const out = follower.output();
    expect(out).toMatch(/#1 .*run started: People acting on a run/);
    expect(out).toContain('stop-jobs: completed by');
    expect(out.trimEnd().split('\n').at(-1)).toContain('run ended: COMPLETED');
  });

  it('reports that an ended run cannot be acted on', async () => {
    const r = await run(['abort', '--as', 'alice', '--reason', 'too late']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('has ended (completed)');
  });
});

describe('bad input to tminus run', () => {
  it.each([
    [['--speed', 'fast'], "--speed: 'fast' is not a speed-up factor"],
    [['--speed', '0'], "--speed: '0' is not a speed-up factor"],
    [['--speed', '-5'], 'is not a speed-up factor'],
    [['--go-live', 'next tuesday'], "--go-live: 'next tuesday' is not a time"],
    [['--live', '--auto-approve'], '--auto-approve is for rehearsals only'],
    [['--live', '--speed', '10'], '--speed is for rehearsals'],
    [['--live', '--dry-run'], '--dry-run is a rehearsal'],
    [['--live', '--rehearsal'], 'choose one of --rehearsal and --live'],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await run(['run', 'rehearsal.yaml', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('refuses a live run of a plan without goLive and no --go-live', async () => {
    const r = await run(['run', 'people.yaml', '--live', '--store', join(dir, 'live.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a live run needs T-0');
  });

  it('refuses a plan file that does not exist', async () => {
    const r = await run(['run', 'missing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('plan file not found');
  });
});
