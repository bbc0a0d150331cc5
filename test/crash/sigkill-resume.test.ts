import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { ROOT, cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'rehearsal.yaml');
const dirs: string[] = [];
const children: Spawned[] = [];
/** Hold files of the test under way: removing one lets a held shell step (and any orphan of it) finish. */
const holds: string[] = [];

beforeAll(() => ensureBuilt(), 300_000);
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const h of holds.splice(0)) rmSync(h, { force: true });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-crash-'));
  dirs.push(dir);
  copyFileSync(FIXTURE, join(dir, 'plan.yaml'));
  const out = join(dir, 'out.txt');
  const hold = join(dir, 'hold');
  holds.push(hold);
  const env = {
    TMINUS_TEST_OUT: out,
    TMINUS_TEST_HOLD: hold,
    TMINUS_STORE: join(dir, '.tminus', 'tminus.db'),
  };
  const start = (args: string[]) => {
    const s = spawnCli(args, { cwd: dir, env });
    children.push(s);
    return s;
  };
  const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : []);
  const count = (what: string) => lines().filter((l) => l === what).length;
  const events = async (): Promise<RunEvent[]> => {
    const store = SqliteStore.open(env.TMINUS_STORE);
    try {
      const runs = await store.listRuns();
      return [...(await store.readEvents(runs[0]!.runId))];
    } finally {
      await store.close();
    }
  };
  const verdict = async () => {
    const store = SqliteStore.open(env.TMINUS_STORE);
    try {
      return await store.verifyJournal((await store.listRuns())[0]!.runId);
    } finally {
      await store.close();
    }
  };
  const run = (args: string[]) => cli(args, { cwd: dir, env });
  /** While held, the backup and switch-back steps keep running once started (see the fixture). */
  const holdSteps = () => writeFileSync(hold, '');
  const releaseSteps = () => rmSync(hold, { force: true });
  return { dir, env, start, count, events, run, verdict, holdSteps, releaseSteps };
}

async function kill9(s: Spawned): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

/** Settles every step left with an unknown outcome the way its owner would after looking: as done. */
async function settleUnknown(t: ReturnType<typeof setup>, owners: Record<string, string>): Promise<string[]> {
  const state = foldRun(await t.events());
  const settled: string[] = [];
  for (const [id, s] of Object.entries(state.steps)) {
    if (s.status === 'held' && s.hold === 'outcome-unknown') {
      const r = await t.run(['complete', id, '--as', owners[id]!, '--reason', 'checked by hand: it ran']);
      expect(r.code, r.stderr).toBe(0);
      settled.push(id);
    }
  }
  return settled;
}

const OWNERS = { backup: 'carol', 'switch-traffic': 'bob', 'switch-back': 'bob' };

describe('a real tminus run killed with SIGKILL and resumed', () => {
  it('never runs the non-idempotent backup twice when killed during it, and holds it as outcome unknown', async () => {
    const t = setup();
    // The backup keeps running until released: the kill lands in the middle of it on any machine.
    t.holdSteps();
    const first = t.start(['run', 'plan.yaml', '--speed', '2000', '--auto-approve']);
    await waitFor(() => first.output().includes('backup: started') && t.count('backup') === 1, 'backup');
    expect((await t.run(['status'])).stdout).toMatch(/driven by pid \d+ on /);
    await kill9(first);
    const orphaned = (await t.run(['status'])).stdout;
    expect(orphaned).toContain('no executor is driving this run: continue it with `tminus resume`');
    expect(orphaned).toContain('point of no return T+1h45m');
    const resumed = t.start(['resume']);
    await waitFor(async () => {
      const s = foldRun(await t.events()).steps.backup;
      return s?.status === 'held' || s?.status === 'succeeded';
    }, 'backup to be held');
    const state = foldRun(await t.events());
    expect(state.steps.backup?.hold).toBe('outcome-unknown');
    expect(
      (await t.events()).some((e) => e.data.type === 'step.interrupted' && e.data.stepId === 'backup'),
    ).toBe(true);
    // The command started once; the orphan of the killed executor may finish, it never starts again.
    expect(t.count('backup')).toBe(1);
    t.releaseSteps();
    const status = await t.run(['status']);
    expect(status.stdout).toContain('backup');
    expect(status.stdout).toMatch(/backup: carol — decide \(outcome-unknown\)/);
    await settleUnknown(t, OWNERS);
    expect(await resumed.exited).toBe(0);
    expect(t.count('backup')).toBe(1);
    expect(t.count('switch')).toBe(1);
    const events = await t.events();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await t.verdict()).toMatchObject({ status: 'intact', findings: [] });
    expect((await t.run(['audit', 'verify'])).code).toBe(0);
    expect(foldRun(events).outcome).toBe('completed');
  }, 300_000);

  it('keeps every guarantee when killed twice at random moments', async () => {
    const t = setup();
    let proc = t.start(['run', 'plan.yaml', '--speed', '2000', '--auto-approve']);
    // The run exists once its executor attached; kills before that are a different test (nothing to resume).
    await waitFor(() => proc.output().includes('executor attached'), 'the run to start');
    for (let round = 0; round < 2; round++) {
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 1500)));
      if (proc.child.exitCode !== null) break;
      await kill9(proc);
      await settleUnknown(t, OWNERS);
      proc = t.start(['resume']);
      await waitFor(
        () => proc.output().includes('executor attached') || proc.child.exitCode !== null,
        'resume',
      );
    }
    await waitFor(async () => {
      await settleUnknown(t, OWNERS);
      return foldRun(await t.events()).status === 'ended';
    }, 'the run to end');
    expect(await proc.exited).toBe(0);
    expect(t.count('backup')).toBeLessThanOrEqual(1);
    expect(t.count('switch')).toBeLessThanOrEqual(1);
    expect(await t.verdict()).toMatchObject({ status: 'intact', findings: [] });
    expect((await t.run(['audit', 'verify'])).code).toBe(0);
  }, 400_000);

  it('finishes a rollback drill after being killed during a rollback step', async () => {
    const t = setup();
    // Backup and switch-back keep running until released: the rollback is called while the run is surely
    // under way, and the kill lands in the middle of switch-back, however slow the machine is.
    t.holdSteps();
    const first = t.start(['run', 'plan.yaml', '--speed', '2000', '--auto-approve']);
    await waitFor(() => first.output().includes('backup: started'), 'backup to start');
    const rb = await t.run(['rollback', '--reason', 'rollback drill', '--as', 'alice']);
    expect(rb.code, rb.stderr).toBe(0);
    // Started and its command running (it counts its start): a kill between the two would leave nothing to
    // count, and a loaded machine can take seconds to spawn the shell.
    await waitFor(
      () => first.output().includes('switch-back: started') && t.count('switch-back') === 1,
      'switch-back to start',
    );
    await kill9(first);
    t.releaseSteps();
    const resumed = t.start(['resume']);
    await waitFor(async () => {
      await settleUnknown(t, OWNERS);
      return foldRun(await t.events()).status === 'ended';
    }, 'the rollback to end');
    expect(await resumed.exited).toBe(1);
    const state = foldRun(await t.events());
    expect(state.outcome).toBe('rolled-back');
    expect(state.steps.declare?.status).toBe('succeeded');
    expect(state.steps['switch-back']?.status).toBe('succeeded');
    expect(state.steps['switch-back']?.hold).toBeUndefined();
    expect(t.count('switch-back')).toBe(1);
    expect(t.count('switch')).toBe(0);
    expect(await t.verdict()).toMatchObject({ status: 'intact', findings: [] });
  }, 300_000);

  it('counts every vote once when the executor is killed right after a vote', async () => {
    const t = setup();
    // Real time, no --auto-approve: the gate waits for the votes (the fixture's gate has no deadline).
    const first = t.start(['run', 'plan.yaml']);
    await waitFor(() => first.output().includes('go-no-go: waiting'), 'the gate to open');
    expect((await t.run(['check', '--sign', 'users-informed', '--as', 'alice'])).code).toBe(0);
    expect((await t.run(['vote', 'go-no-go', 'go', '--as', 'alice'])).code).toBe(0);
    expect((await t.run(['vote', 'go-no-go', 'go', '--as', 'bob'])).code).toBe(0);
    await kill9(first);
    const again = await t.run(['vote', 'go-no-go', 'go', '--as', 'bob']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('bob already voted go');
    expect((await t.run(['vote', 'go-no-go', 'go', '--as', 'frank'])).code).toBe(0);
    const resumed = t.start(['resume']);
    await waitFor(async () => foldRun(await t.events()).gates['go-no-go']?.outcome === 'go', 'go');
    const gate = foldRun(await t.events()).gates['go-no-go']!;
    expect(gate.votes.map((v) => v.by).sort()).toEqual(['alice', 'bob', 'frank']);
    expect((await t.run(['abort', '--as', 'alice', '--reason', 'test over'])).code).toBe(0);
    expect(await resumed.exited).toBe(1);
    expect((await t.run(['audit', 'verify'])).code).toBe(0);
  }, 300_000);

  it('rehearses the webapp template end to end across a SIGKILL in the middle and a resume', async () => {
    const t = setup();
    copyFileSync(join(ROOT, 'templates', 'webapp.yaml'), join(t.dir, 'plan.yaml'));
    const args = ['--rehearsal', '--dry-run', '--speed', '5000', '--auto-approve'];
    const first = t.start(['run', 'plan.yaml', ...args]);
    // Killed while the deploy phase is under way: a step of it may be caught running.
    await waitFor(() => first.output().includes('deploy-app: started'), 'the deploy phase');
    await kill9(first);
    const resumed = await t.run(['resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('outcome: completed');
    const events = await t.events();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await t.verdict()).toMatchObject({ status: 'intact', findings: [] });
    const state = foldRun(events);
    expect(state.outcome).toBe('completed');
    for (const id of ['final-backup', 'deploy-app', 'smoke-tests', 'verify-requests', 'declare-success']) {
      expect(state.steps[id]?.status, id).toBe('succeeded');
    }
  }, 400_000);
});
