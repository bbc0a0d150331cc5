import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventData } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Spawned } from '../support/cli.js';
import { cli, ensureBuilt, spawnCli, waitFor, waitWhileProgressing } from '../support/cli.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import type { PrivatePostgres } from '../support/private-postgres.js';
import { startPrivatePostgres } from '../support/private-postgres.js';

/**
 * Several real `tminus worker` processes on one PostgreSQL store, killed and stopped mid-step. Shell steps
 * append a line to a file when they start: side effects are counted there, not in events. A worker drives
 * a run (run lease) and any worker executes its steps (step claims): `--max-steps 0` makes a worker that
 * only drives, `--max-runs 0` one that only executes steps.
 */

const dirs: string[] = [];
const children: Spawned[] = [];
const databases: TestDatabase[] = [];

beforeAll(() => ensureBuilt(), 300_000);
afterEach(() => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) {
      c.child.kill('SIGCONT');
      c.child.kill('SIGKILL');
    }
  }
});
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await Promise.all(databases.map((d) => d.drop()));
}, 120_000);

/** A slow non-idempotent step (held while $TMINUS_TEST_HOLD exists), then an idempotent one after it. */
const PLAN = `version: 1
name: chaos
title: Workers chaos
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
      - id: migrate
        title: Migrate (not idempotent)
        owner: ops
        action: shell
        with:
          run: 'echo migrate >> "$TMINUS_TEST_OUT"; while [ -e "$TMINUS_TEST_HOLD" ]; do sleep 0.05; done'
      - id: verify
        title: Verify
        owner: ops
        action: shell
        idempotent: true
        with: { run: 'echo verify >> "$TMINUS_TEST_OUT"' }
        after: [migrate]
`;

async function setup(plan = PLAN) {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-workers-'));
  dirs.push(dir);
  const db = await createPostgresDatabase('tminus_workers');
  databases.push(db);
  writeFileSync(join(dir, 'plan.yaml'), plan);
  const out = join(dir, 'out.txt');
  const hold = join(dir, 'hold');
  const env = { TMINUS_TEST_OUT: out, TMINUS_TEST_HOLD: hold, TMINUS_STORE: db.url };
  const worker = (...extra: string[]) => {
    const tag = `w${children.length}`;
    const s = spawnCli(['worker', '--lease-ttl', '3s', '--poll', '200ms', ...extra], {
      cwd: dir,
      env: { ...env, TMINUS_TEST_WORKER: tag },
    });
    children.push(s);
    return s;
  };
  const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : []);
  const count = (what: string) => lines().filter((l) => l === what).length;
  const events = async (): Promise<RunEvent[]> => {
    const store = await PostgresStore.open(db.url);
    try {
      const runs = await store.listRuns();
      return runs[0] ? [...(await store.readEvents(runs[0].runId))] : [];
    } finally {
      await store.close();
    }
  };
  const run = (args: string[]) => cli(args, { cwd: dir, env });
  const start = async (...extra: string[]) => {
    const r = await run(['run', 'plan.yaml', '--detach', ...extra]);
    expect(r.code, r.stderr).toBe(0);
  };
  return { dir, env, worker, lines, count, events, run, start, hold };
}

/** The holder ids a worker process uses start with its host and pid. */
const holderOf = (s: Spawned) =>
  expect.stringMatching(new RegExp(`^${hostname()}:${s.child.pid}:`)) as string;

const ofType = <T extends RunEventData['type']>(events: readonly RunEvent[], type: T) =>
  events.filter((e): e is RunEvent & { data: Extract<RunEventData, { type: T }> } => e.data.type === type);

describe('tminus worker: several workers on PostgreSQL, leases, take-over and fencing', () => {
  it('SIGKILL a worker mid-step: another takes the run over, holds the non-idempotent step, repeats nothing', async () => {
    const t = await setup();
    writeFileSync(t.hold, '');
    await t.start();
    const a = t.worker();
    await waitFor(() => t.count('migrate') === 1, 'worker A to start migrate');
    const b = t.worker();
    await waitFor(() => b.output().includes('listening for append hints'), 'worker B to listen');
    // B stands by while A's lease is renewed.
    expect(ofType(await t.events(), 'lease.taken-over')).toEqual([]);
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor(
      async () => foldRun(await t.events()).steps.migrate?.hold === 'outcome-unknown',
      'B to take over and hold migrate',
    );
    const events = await t.events();
    const [takeOver] = ofType(events, 'lease.taken-over');
    expect(takeOver?.data.fromEpoch).toBeLessThan(takeOver?.data.epoch ?? 0);
    // A drove the run and executed migrate: both its run lease and its step claim ran out.
    expect(ofType(events, 'step.interrupted').map((e) => e.data)).toEqual([
      {
        type: 'step.interrupted',
        stepId: 'migrate',
        attempt: 1,
        rerun: false,
        takenOver: {
          by: takeOver?.data.holder,
          from: holderOf(a),
          fromEpoch: 1,
          expiredAtMs: expect.any(Number),
        },
      },
    ]);
    const status = await t.run(['status']);
    expect(status.stdout).toMatch(/taken over once: last at \S+ by \S+ from \S+ \(its lease ran out\)/);
    expect(status.stdout).toMatch(/driven by pid \d+/);
    expect(b.output()).toContain('TAKEN OVER by');
    rmSync(t.hold, { force: true });
    const done = await t.run(['complete', 'migrate', '--as', 'olga', '--reason', 'checked: it ran']);
    expect(done.code, done.stderr).toBe(0);
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('migrate')).toBe(1);
    expect(t.count('verify')).toBe(1);
  }, 240_000);

  it('SIGSTOP a worker past its lease, SIGCONT: its late result is recorded as rejected, the step ran once', async () => {
    const t = await setup();
    writeFileSync(t.hold, '');
    await t.start();
    const a = t.worker();
    await waitFor(() => t.count('migrate') === 1, 'worker A to start migrate');
    a.child.kill('SIGSTOP');
    const b = t.worker();
    await waitFor(
      async () => foldRun(await t.events()).steps.migrate?.hold === 'outcome-unknown',
      'B to take over and hold migrate',
    );
    // The step finishes while A is stopped; A sees the exit only when it runs again.
    rmSync(t.hold, { force: true });
    a.child.kill('SIGCONT');
    await waitFor(async () => ofType(await t.events(), 'append.rejected').length > 0, 'A to be refused');
    const events = await t.events();
    const rejected = ofType(events, 'append.rejected');
    // A executed migrate under its step claim, which B took away: A's result is refused on that claim.
    expect(rejected.map((e) => e.data.holder)).toEqual([holderOf(a)]);
    expect(rejected[0]!.data.step).toEqual({ stepId: 'migrate', attempt: 1 });
    expect(ofType(events, 'lease.taken-over')).toHaveLength(1);
    expect(rejected[0]!.data.refused).toEqual([
      expect.objectContaining({ stepId: 'migrate', attempt: 1 }) as RunEventData,
    ]);
    // Not applied: migrate stays held for a person, and no step.succeeded from A is in the journal.
    const state = foldRun(events);
    expect(state.steps.migrate?.hold).toBe('outcome-unknown');
    expect(ofType(events, 'step.succeeded').filter((e) => e.data.stepId === 'migrate')).toEqual([]);
    expect(state.rejectedWrites).toHaveLength(1);
    expect((await t.run(['status'])).stdout).toMatch(
      /rejected at T[+-]\S+: late write from \S+ \(epoch \d+, lease lost\): step\.\w+ migrate/,
    );
    await waitFor(() => /lost run|taken over/.test(a.output()), 'A to say it lost the run');
    expect((await t.run(['complete', 'migrate', '--as', 'olga'])).code).toBe(0);
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('migrate')).toBe(1);
    expect(t.count('verify')).toBe(1);
    // B prints the end once it has read it back: the journal can have it a moment before B's output does.
    await waitFor(() => b.output().includes('run ended: COMPLETED'), 'B to print the end of the run');
  }, 240_000);

  it('three workers racing on every step of a 1,000-task plan: each executed exactly once, by several workers', async () => {
    const tasks = Array.from(
      { length: 1000 },
      (_, i) =>
        `      - { id: t${i}, title: Task ${i}, owner: ops, action: shell, with: { run: 'echo "t${i} $TMINUS_TEST_WORKER" >> "$TMINUS_TEST_OUT"' } }`,
    );
    const plan = `version: 1
name: wide
title: A thousand tasks
defaults: { concurrency: 16 }
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
${tasks.join('\n')}
`;
    const t = await setup(plan);
    await t.start();
    // Up to 4 steps each, 16 started at once: offered steps always wait for whichever worker claims them.
    // A lease long enough that a loaded machine's pauses never let one run out (run and step claims alike).
    const lease = ['--lease-ttl', '60s'];
    const workers = [
      t.worker('--max-steps', '4', ...lease),
      t.worker('--max-steps', '4', '--no-listen', ...lease),
      t.worker('--max-steps', '4', ...lease),
    ];
    // However slow the machine: wait as long as steps keep finishing.
    let recorded = 0;
    await waitWhileProgressing(
      async () => {
        const s = foldRun(await t.events());
        recorded = Object.values(s.steps).filter((x) => x.status === 'succeeded').length;
        return s.status === 'ended';
      },
      () => [t.lines().length, recorded],
      'the run to end',
      180_000,
    ).catch(async (error: unknown) => {
      const s = foldRun(await t.events());
      const open = Object.entries(s.steps).filter(([, x]) => x.status !== 'succeeded');
      throw new Error(
        `${String(error)}; steps not succeeded: ${JSON.stringify(open.slice(0, 5))}; workers said: ${workers.map((w) => w.output().slice(-1500)).join('\n---\n')}`,
      );
    });
    const state = foldRun(await t.events());
    expect(state.outcome).toBe('completed');
    const lines = t.lines().map((l) => l.split(' '));
    expect(lines).toHaveLength(1000);
    expect(new Set(lines.map(([task]) => task)).size).toBe(1000);
    // Steps were spread: more than one worker executed some.
    const by = new Map<string, number>();
    for (const [, w] of lines) by.set(w ?? '?', (by.get(w ?? '?') ?? 0) + 1);
    expect(by.size).toBeGreaterThan(1);
    // One worker drove the run; the others found no run to claim, only steps.
    for (const w of workers) expect(w.output()).toContain('lease 60000 ms');
    const driving = workers.filter((w) => w.output().includes('driving (epoch'));
    expect(driving).toHaveLength(1);
    expect(ofType(await t.events(), 'step.interrupted')).toEqual([]);
  }, 1_800_000);

  it('SIGKILL the worker executing steps while the driver lives: the idempotent step runs once more, the other is held', async () => {
    const t = await setup(`version: 1
name: steps
title: Steps on other workers
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
      - id: migrate
        title: Migrate (not idempotent)
        owner: ops
        action: shell
        with:
          run: 'echo migrate >> "$TMINUS_TEST_OUT"; while [ -e "$TMINUS_TEST_HOLD" ]; do sleep 0.05; done'
      - id: warm
        title: Warm caches (idempotent)
        owner: ops
        action: shell
        idempotent: true
        with:
          run: 'echo warm >> "$TMINUS_TEST_OUT"; while [ -e "$TMINUS_TEST_HOLD" ]; do sleep 0.05; done'
      - id: verify
        title: Verify
        owner: ops
        action: shell
        with: { run: 'echo verify >> "$TMINUS_TEST_OUT"' }
        after: [migrate, warm]
`);
    writeFileSync(t.hold, '');
    await t.start();
    const driver = t.worker('--max-steps', '0');
    const b = t.worker('--max-runs', '0');
    await waitFor(() => t.count('migrate') === 1 && t.count('warm') === 1, 'B to execute migrate and warm');
    expect(driver.output()).toContain('driving (epoch');
    const c = t.worker('--max-runs', '0');
    b.child.kill('SIGKILL');
    await b.exited;
    // The driver takes both steps over once B's step claims run out; C runs warm again.
    await waitFor(
      async () => foldRun(await t.events()).steps.migrate?.hold === 'outcome-unknown',
      'the driver to take migrate over and hold it',
    );
    await waitFor(() => t.count('warm') === 2, 'C to run warm again');
    const events = await t.events();
    expect(ofType(events, 'lease.taken-over')).toEqual([]);
    const interrupted = ofType(events, 'step.interrupted').map((e) => e.data);
    expect(interrupted).toHaveLength(2);
    expect(interrupted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stepId: 'migrate', attempt: 1, rerun: false }),
        expect.objectContaining({ stepId: 'warm', attempt: 1, rerun: true }),
      ]),
    );
    for (const i of interrupted) expect(i.takenOver?.from).toEqual(holderOf(b));
    const status = await t.run(['status']);
    expect(status.stdout).toMatch(
      /step migrate taken over at \S+ by \S+ from \S+ \(its step lease ran out\)/,
    );
    rmSync(t.hold, { force: true });
    expect((await t.run(['complete', 'migrate', '--as', 'olga', '--reason', 'checked: it ran'])).code).toBe(
      0,
    );
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('migrate')).toBe(1);
    expect(t.count('warm')).toBe(2);
    expect(t.count('verify')).toBe(1);
    expect(c.output()).toContain('step verify (attempt 1): executing here');
  }, 300_000);

  it('SIGSTOP the worker executing a step past its step lease, SIGCONT: its result is rejected, the step ran once', async () => {
    const t = await setup();
    writeFileSync(t.hold, '');
    await t.start();
    const driver = t.worker('--max-steps', '0');
    const b = t.worker('--max-runs', '0');
    await waitFor(() => t.count('migrate') === 1, 'B to execute migrate');
    b.child.kill('SIGSTOP');
    await waitFor(
      async () => foldRun(await t.events()).steps.migrate?.hold === 'outcome-unknown',
      'the driver to take migrate over and hold it',
    );
    // The step's command ends while B is stopped; B sees it only when it runs again.
    rmSync(t.hold, { force: true });
    b.child.kill('SIGCONT');
    await waitFor(async () => ofType(await t.events(), 'append.rejected').length > 0, 'B to be refused');
    const events = await t.events();
    const rejected = ofType(events, 'append.rejected');
    expect(rejected.map((e) => e.data.holder)).toEqual([holderOf(b)]);
    expect(rejected[0]!.data.step).toEqual({ stepId: 'migrate', attempt: 1 });
    expect(rejected[0]!.data.refused).toEqual([
      expect.objectContaining({ stepId: 'migrate', attempt: 1 }) as RunEventData,
    ]);
    expect(ofType(events, 'lease.taken-over')).toEqual([]);
    const state = foldRun(events);
    expect(state.steps.migrate?.hold).toBe('outcome-unknown');
    expect(ofType(events, 'step.succeeded').filter((e) => e.data.stepId === 'migrate')).toEqual([]);
    expect((await t.run(['status'])).stdout).toMatch(
      /rejected at T[+-]\S+: late write from \S+ \(epoch \d+, lease lost\): step\.\w+ migrate/,
    );
    expect((await t.run(['log'])).stdout).toMatch(
      /REJECTED late write from \S+ \(its claim of step migrate attempt 1/,
    );
    await waitFor(() => b.output().includes('taken over by another worker'), 'B to say it lost the step');
    expect((await t.run(['complete', 'migrate', '--as', 'olga'])).code).toBe(0);
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('migrate')).toBe(1);
    expect(t.count('verify')).toBe(1);
    await waitFor(
      () => driver.output().includes('run ended: COMPLETED'),
      'the driver to print the end of the run',
    );
  }, 300_000);

  it('poll only (no LISTEN anywhere): steps offered by one worker are executed by another', async () => {
    const t = await setup(PLAN.replace('while [ -e "$TMINUS_TEST_HOLD" ]; do sleep 0.05; done', 'true'));
    await t.start();
    const driver = t.worker('--max-steps', '0', '--no-listen');
    const b = t.worker('--max-runs', '0', '--no-listen');
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('migrate')).toBe(1);
    expect(t.count('verify')).toBe(1);
    expect(driver.output()).toContain('poll only');
    expect(driver.output()).not.toContain('executing here');
    expect(b.output()).toContain('step migrate (attempt 1): executing here');
    expect(b.output()).toContain('step verify (attempt 1): executing here');
  }, 240_000);

  it('polls without LISTEN: a person’s command is noticed and the run completes', async () => {
    const t = await setup(`version: 1
name: manual
title: A person, then a step
roles:
  ops: { title: Ops, members: [olga] }
phases:
  - id: go
    at: T-0
    tasks:
      - { id: approve, title: Approve, owner: ops }
      - id: verify
        title: Verify
        owner: ops
        action: shell
        with: { run: 'echo verify >> "$TMINUS_TEST_OUT"' }
        after: [approve]
`);
    await t.start();
    const w = t.worker('--no-listen', '--poll', '300ms');
    await waitFor(
      async () => foldRun(await t.events()).steps.approve?.status === 'waiting',
      'approve to wait for a person',
    );
    expect(w.output()).toContain('poll only');
    expect(w.output()).not.toContain('listening for append hints');
    // A person acts from another process: the worker sees it by polling alone.
    expect((await t.run(['complete', 'approve', '--as', 'olga'])).code).toBe(0);
    await waitFor(async () => foldRun(await t.events()).outcome === 'completed', 'the run to complete');
    expect(t.count('verify')).toBe(1);
  }, 240_000);
});

describe('tminus worker across a PostgreSQL restart', () => {
  let server: PrivatePostgres | undefined;
  afterAll(() => server?.stop());

  it('reconnects after the server restarts mid-step: nothing lost, nothing repeated', async () => {
    server = await startPrivatePostgres();
    const dir = mkdtempSync(join(tmpdir(), 'tminus-workers-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'plan.yaml'),
      PLAN.replace('idempotent: true\n', 'idempotent: false\n').replace(
        '        after: [migrate]\n',
        `        after: [migrate]
      - id: report
        title: Report
        owner: ops
        action: shell
        with: { run: 'echo report >> "$TMINUS_TEST_OUT"' }
        after: [verify]
`,
      ),
    );
    const out = join(dir, 'out.txt');
    const hold = join(dir, 'hold');
    const env = { TMINUS_TEST_OUT: out, TMINUS_TEST_HOLD: hold, TMINUS_STORE: server.url };
    const count = (what: string) =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l === what).length
        : 0;
    writeFileSync(hold, '');
    expect((await cli(['run', 'plan.yaml', '--detach'], { cwd: dir, env })).code).toBe(0);
    const w = spawnCli(['worker', '--lease-ttl', '10s', '--poll', '200ms'], { cwd: dir, env });
    children.push(w);
    await waitFor(() => count('migrate') === 1, 'migrate to start');
    server.restart();
    // The step ends while the worker's connections are gone: its result must still be recorded, once.
    rmSync(hold, { force: true });
    const events = async () => {
      const store = await PostgresStore.open(server!.url);
      try {
        const runs = await store.listRuns();
        return [...(await store.readEvents(runs[0]!.runId))];
      } finally {
        await store.close();
      }
    };
    await waitFor(async () => foldRun(await events()).outcome === 'completed', 'the run to complete');
    const journal = await events();
    expect(count('migrate')).toBe(1);
    expect(count('verify')).toBe(1);
    expect(count('report')).toBe(1);
    expect(ofType(journal, 'lease.taken-over')).toEqual([]);
    expect(ofType(journal, 'step.interrupted')).toEqual([]);
    expect(ofType(journal, 'step.succeeded').map((e) => e.data.stepId)).toEqual([
      'migrate',
      'verify',
      'report',
    ]);
    expect(w.output()).toMatch(/unreachable|could not renew|hints lost/);
  }, 240_000);
});
