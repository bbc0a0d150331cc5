import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';

/**
 * Rehearsing with people at `--speed 2000`, as real processes: the executor in one, a person voting from
 * another. Before the rehearsal clock was paced, the gate's 30-minute window passed in under a second of real
 * time and the run ended `no-go (timeout)` before anyone could vote.
 */

const PLAN = `version: 1
name: paced-cli
title: Paced with people
roles:
  lead: { title: Lead, members: [alice] }
phases:
  - id: decide
    at: T-60m
    tasks:
      - { id: go, type: gate, voters: [lead], deadline: T-30m, onTimeout: no-go }
  - id: cut
    at: T-5m
    tasks:
      - { id: settle, type: wait, until: T+0 }
`;

const dir = mkdtempSync(join(tmpdir(), 'tminus-pace-'));
let executor: Spawned | undefined;

beforeAll(() => {
  ensureBuilt();
  writeFileSync(join(dir, 'paced.yaml'), PLAN);
}, 300_000);

afterAll(async () => {
  if (executor && executor.child.exitCode === null) executor.child.kill('SIGKILL');
  await executor?.exited;
  rmSync(dir, { recursive: true, force: true });
});

async function journal(store: string): Promise<RunEvent[]> {
  const s = SqliteStore.open(store);
  try {
    const runs = await s.listRuns();
    return [...(await s.readEvents(runs[0]!.runId))];
  } finally {
    await s.close();
  }
}

describe('a rehearsal at --speed 2000 without --auto-approve', () => {
  it('waits at real time for the vote, and the vote from another process decides the gate', async () => {
    const env = { TMINUS_STORE: join(dir, 'people.db') };
    const testStart = Date.now();
    executor = spawnCli(['run', 'paced.yaml', '--rehearsal', '--speed', '2000'], { cwd: dir, env });
    await waitFor(
      () => executor!.output().includes('clock at real time: waiting for alice to vote on go'),
      'the clock to wait for the vote',
    );
    // However long this machine takes to start the second process, the gate's deadline is 30 real minutes away.
    const vote = spawnCli(['vote', 'go', 'go', '--as', 'alice'], { cwd: dir, env });
    expect(await vote.exited, vote.output()).toBe(0);
    expect(await executor.exited, executor.output()).toBe(0);
    expect(executor.output()).toContain('outcome: completed');

    const events = await journal(env.TMINUS_STORE);
    const started = events[0]!.data;
    if (started.type !== 'run.started') throw new Error('no run.started');
    const decided = events.find((e) => e.data.type === 'gate.decided');
    expect(decided?.data).toMatchObject({ gateId: 'go', outcome: 'go', basis: 'votes' });
    const voted = events.find((e) => e.data.type === 'gate.voted')!;
    expect(voted.actor).toBe('alice');
    expect(voted.atMs).toBeLessThan(started.goLiveMs - 30 * 60_000);
    // The log shows each event's wall time beside the run clock's; --json as `wallAt`.
    const log = await cli(['log'], { cwd: dir, env });
    const votedLine = log.stdout.split('\n').find((l) => l.includes('alice votes go'))!;
    expect(votedLine).toContain(` wall ${new Date(voted.data.wallMs!).toISOString().slice(0, 19)}Z`);
    const json = (await cli(['log', '--json'], { cwd: dir, env })).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { at: string; wallAt?: string; type: string });
    expect(json.every((e) => e.wallAt !== undefined)).toBe(true);
    const votedJson = json.find((e) => e.type === 'gate.voted')!;
    expect(Date.parse(votedJson.wallAt!)).toBeGreaterThanOrEqual(testStart);
    expect(Date.parse(votedJson.wallAt!)).toBeLessThanOrEqual(Date.now());
    expect(votedJson.at).toBe(new Date(voted.atMs).toISOString());
    const paces = events.flatMap((e) => (e.data.type === 'clock.paced' ? [e.data] : []));
    expect(paces.map((p) => p.speed)).toEqual([1, 2000]);
    expect(paces[0]?.waitingFor).toBe('alice to vote on go');
  }, 300_000);

  it('warns at start when a gate would close seconds after it opens, and not with --auto-approve', async () => {
    const env = { TMINUS_STORE: join(dir, 'warn.db') };
    const tight = await cli(
      ['run', 'paced.yaml', '--rehearsal', '--speed', '2000', '--go-live', 'now+30m5s'],
      {
        cwd: dir,
        env,
      },
    );
    expect(tight.stderr).toMatch(
      /warning: gate 'go': its deadline T-30m falls 5s of real time after it opens \(about T-30m5s\); then it is decided by its timeout \(no-go\)/,
    );
    expect(tight.stderr).toContain('the rehearsal clock runs at real time while a vote is owed');
    const passed = await cli(
      ['run', 'paced.yaml', '--rehearsal', '--speed', '2000', '--go-live', 'now+20m'],
      { cwd: dir, env },
    );
    expect(passed.stderr).toMatch(
      /warning: gate 'go': its deadline T-30m has passed when it opens \(about T-20m\); it is decided by its timeout \(no-go\) at once/,
    );
    expect(passed.code).toBe(1);
    const auto = await cli(
      ['run', 'paced.yaml', '--rehearsal', '--speed', '2000', '--go-live', 'now+30m5s', '--auto-approve'],
      { cwd: dir, env },
    );
    expect(auto.stderr).not.toContain('warning: gate');
    expect(auto.code).toBe(0);
  }, 120_000);
});
