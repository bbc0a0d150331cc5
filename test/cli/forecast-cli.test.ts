import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldRun } from '../../src/core/run/run-state.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';
import { runCli } from './run-cli.js';

const M = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'tminus-forecast-'));
const elsewhere = join(dir, 'elsewhere');
const store = join(dir, '.tminus', 'tminus.db');
const run = (args: string[]) => cli(args, { cwd: dir });

// `slow` always takes twice its estimate (a 20m wait estimated at 10m); by the plan, `steady` is critical.
const PLAN = `version: 1
name: drill
title: Forecast drill
window: { start: T-0, end: T+40m }
roles: { ops: { members: [ann] } }
phases:
  - id: work
    at: T-0
    tasks:
      - { id: slow, owner: ops, action: wait, with: { duration: 20m }, estimate: 10m }
      - { id: steady, owner: ops, action: wait, with: { duration: 15m }, estimate: 15m }
      - { id: sign, owner: ops, estimate: 5m, after: [slow, steady] }
rollback:
  steps:
    - { id: back, title: Back, owner: ops, budget: 10m }
`;

interface ForecastOut {
  p50End: { offsetMs: number };
  p90End: { offsetMs: number };
  plannedEnd: { offsetMs: number };
  chanceInsideWindow: number;
  criticality: { id: string; share: number }[];
  history: { runs: { runId: string; mode: string }[] };
  tasks: { id: string; basis: string; observedMs: number[] }[];
  run: string | null;
}
const forecast = async (args: string[]) => {
  const r = await run(['forecast', ...args, '--json', '--spread', '0']);
  // Only the line saying which run a --run forecast acts on.
  expect(r.stderr.replace(/^run \S+ \(plan .*\n/, '')).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ForecastOut;
};

let before: ForecastOut;
let executor: Spawned | undefined;

beforeAll(async () => {
  ensureBuilt();
  writeFileSync(join(dir, 'plan.yaml'), PLAN);
  mkdirSync(elsewhere);
  writeFileSync(join(elsewhere, 'plan.yaml'), PLAN);
  before = await forecast(['plan.yaml']);
  // Three real, compressed rehearsals.
  for (let i = 0; i < 3; i++) {
    const r = runCli(['run', 'plan.yaml', '--rehearsal', '--speed', '2000', '--auto-approve'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  if (executor && executor.child.exitCode === null) executor.child.kill('SIGKILL');
  await executor?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('tminus forecast', () => {
  it('before any run, follows the plan estimates', () => {
    expect(before.history.runs).toEqual([]);
    expect(before.p50End.offsetMs).toBe(20 * M);
    expect(before.plannedEnd.offsetMs).toBe(20 * M);
    expect(before.criticality.map((c) => c.id)).toEqual(['steady', 'sign']);
  });

  it('after three rehearsals, puts the task that always takes twice its estimate on the critical path', async () => {
    const after = await forecast(['plan.yaml']);
    expect(after.history.runs).toHaveLength(3);
    expect(after.history.runs.every((r) => r.mode === 'rehearsal')).toBe(true);
    const slow = after.tasks.find((t) => t.id === 'slow')!;
    expect(slow.basis).toBe('history');
    // 20 minutes of waiting plus the engine's real-time latency (a few seconds at most, even on a loaded machine).
    for (const d of slow.observedMs) expect(d - 20 * M).toBeGreaterThanOrEqual(0);
    for (const d of slow.observedMs) expect(d - 20 * M).toBeLessThan(10_000);
    // The auto-approved manual task taught nothing: it keeps its estimate.
    expect(after.tasks.find((t) => t.id === 'sign')!.basis).toBe('estimate');
    expect(after.plannedEnd.offsetMs).toBe(20 * M);
    // With no spread: the slowest `slow` seen, then `sign`'s 5 minutes.
    expect(after.p50End.offsetMs).toBeGreaterThanOrEqual(25 * M);
    expect(after.p90End.offsetMs).toBe(Math.max(...slow.observedMs) + 5 * M);
    expect(after.criticality).toEqual([
      { id: 'slow', share: 1 },
      { id: 'sign', share: 1 },
    ]);
    expect(after.p50End.offsetMs - before.p50End.offsetMs).toBeGreaterThanOrEqual(5 * M);
  });

  it('prints the figures as text, and is the same for the same seed', async () => {
    const a = await run(['forecast', 'plan.yaml', '--samples', '2000', '--seed', '9']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('learned from 3 earlier run(s) (3 rehearsal(s), 0 live)');
    expect(a.stdout).toMatch(/P50 end\s+T\+2\dm/);
    expect(a.stdout).toMatch(/most often critical\s+slow 100 %/);
    expect(a.stdout).toMatch(/slow\s+3 runs\s+10m\s+20m/);
    expect((await run(['forecast', 'plan.yaml', '--samples', '2000', '--seed', '9'])).stdout).toBe(a.stdout);
  });

  it('learns from runs imported from another store with --from', async () => {
    const alone = await forecast([join('elsewhere', 'plan.yaml')]);
    expect(alone.history.runs).toEqual([]);
    const imported = await forecast([join('elsewhere', 'plan.yaml'), '--from', store]);
    expect(imported.history.runs).toHaveLength(3);
    expect(imported.p90End.offsetMs).toBe((await forecast(['plan.yaml'])).p90End.offsetMs);
  });

  it('during a run, starts from the live state (and status shows the schedule now)', async () => {
    // A rehearsal without --auto-approve: both waits finish, then `sign` waits for ann.
    executor = spawnCli(['run', 'plan.yaml', '--speed', '2000'], { cwd: dir });
    await waitFor(() => executor!.output().includes('sign: waiting'), 'sign to wait');
    executor.child.kill('SIGKILL');
    await executor.exited;
    const s = SqliteStore.open(store);
    const state = foldRun(await s.readEvents((await s.listRuns()).find((r) => !r.ended)!.runId));
    await s.close();
    const waitedAt = state.steps.sign!.firstStartedAtMs! - state.goLiveMs;

    // (--run: a compressed rehearsal's creation time is on its own fast clock, so "most recent" may not be this.)
    const status = await run(['status', '--json', '--run', state.runId]);
    expect(status.code).toBe(0);
    const live = (
      JSON.parse(status.stdout) as { schedule: { criticalPath: string[]; late: { id: string }[] } }
    ).schedule;
    expect(live.criticalPath).toEqual(['sign']);
    expect(live.late.map((t) => t.id)).toContain('slow');
    const text = await run(['status', '--run', state.runId]);
    expect(text.stdout).toContain('critical path now sign');
    expect(text.stdout).toMatch(/late slow \+\d+m/);

    const during = await forecast([]);
    expect(during.run).toBe(state.runId);
    // Only `sign` is left: it started waiting at `waitedAt` and takes its 5m estimate (no spread).
    expect(during.p50End.offsetMs).toBe(Math.max(waitedAt + 5 * M, state.lastAtMs - state.goLiveMs));
    expect(during.criticality).toEqual([{ id: 'sign', share: 1 }]);
  }, 90_000);
});

describe('bad input to tminus forecast', () => {
  it.each([
    [['--samples', 'lots'], "--samples: 'lots' is not a whole number from 1 to 1000000"],
    [['--samples', '0'], "--samples: '0' is not a whole number from 1 to 1000000"],
    [['--samples', '2.5'], "--samples: '2.5' is not a whole number"],
    [['--seed', 'abc'], "--seed: 'abc' is not a whole number from 0 to 2147483647"],
    [['--spread', '1.5'], "--spread: '1.5' is not a fraction from 0 to 1"],
    [['--spread', '-0.1'], "--spread: '-0.1' is not a fraction from 0 to 1"],
    [['--min-samples', '0'], "--min-samples: '0' is not a whole number from 1 to 1000"],
    [['--from', 'nowhere.db'], `--from: no tminus store at '${join(dir, 'nowhere.db')}'`],
    [['--go-live', 'soonish'], "--go-live: 'soonish' is not a time"],
    [['--run', 'r1'], "give a plan file or --run, not both ('plan.yaml' and --run 'r1')"],
  ])('%j: exit 2 naming the bad value', async (args, message) => {
    const r = await run(['forecast', 'plan.yaml', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('exit 2 for a missing plan file or a run that does not exist', async () => {
    const missing = await run(['forecast', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('plan file not found');
    const noRun = await run(['forecast', '--run', 'no-such-run']);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toContain("no run 'no-such-run'");
  });
});
