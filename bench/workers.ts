/**
 * Workers on PostgreSQL (issue #16), through the real CLI (`npm run build` first): `tminus run --detach`
 * stores a run, real `tminus worker` processes drive it.
 *
 * 1. Dispatch latency (a step's success recorded → its dependent's start recorded, from the events' times,
 *    1 ms resolution) over a chain of `N` no-op steps (`wait 0s`), with 1 and with 3 workers. On PostgreSQL
 *    the driver only decides; a started step is offered in `step_claims` and a worker claims and executes
 *    it, so the dispatch (success → start, both stamped before their append) does not include the offer and
 *    the claim: those are in "start → success" (offer, claim, reading the run, the no-op, the fenced result)
 *    and in the step cycle (a success → the next success), both printed too.
 *    Bound in the same run: one commit (a one-row INSERT in autocommit).
 * 2. Take-over: worker A runs a long idempotent step, worker B stands by; A is SIGKILLed; the time until the
 *    journal shows the take-over and until the step starts again, against the lease TTL (`TTLS`, default
 *    `3s,15s`; 15s is the default of `tminus worker`).
 *
 * It drives the plan only through the CLI and reads only the journal, so it measures whatever the build does.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '../src/core/run/run-event.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { load1, ms, percentile, pgCommits, pgDatabases } from './engine-support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tminus.js');
if (!existsSync(join(ROOT, 'dist'))) throw new Error('build first: npm run build');
const N = Number(process.env.N ?? 300);
const TTLS = (process.env.TTLS ?? '3s,15s').split(',').filter((t) => t !== '' && t !== 'none');
const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-workers-'));
const databases = pgDatabases();
const children: ChildProcess[] = [];
// Every process (the bench included) uses the same journal key, kept in this temporary directory.
const env = { PATH: process.env.PATH, NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, 'config') };

function tminus(args: string[], store: string): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, TMINUS_STORE: store } });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  children.push(child);
  return Object.assign(child, { output: () => out });
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

async function startRun(store: string, plan: string): Promise<void> {
  writeFileSync(join(dir, 'plan.yaml'), plan);
  const run = tminus(['run', 'plan.yaml', '--detach'], store);
  if ((await exitOf(run)) !== 0) throw new Error(`tminus run --detach failed:\n${run.output()}`);
}

async function events(url: string): Promise<RunEvent[]> {
  const store = await PostgresStore.open(url);
  try {
    const [run] = await store.listRuns();
    return run ? [...(await store.readEvents(run.runId))] : [];
  } finally {
    await store.close();
  }
}

/** Polls the journal (every `everyMs`) until `done` holds; returns the moment it was seen. */
async function until(url: string, done: (e: RunEvent[]) => boolean, what: string, everyMs = 20) {
  const store = await PostgresStore.open(url);
  const deadline = performance.now() + 600_000;
  try {
    for (;;) {
      const [run] = await store.listRuns();
      const all = run ? await store.readEvents(run.runId) : [];
      if (done([...all])) return performance.now();
      if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    await store.close();
  }
}

const header = `version: 1\nname: workers\nroles: { ops: { members: [olga] } }\nphases:\n  - id: go\n    at: T-0\n    tasks:\n`;
const chain = Array.from(
  { length: N },
  (_, i) =>
    `      - { id: t${i}, owner: ops, action: wait, with: { duration: 0s }${i > 0 ? `, after: [t${i - 1}]` : ''} }`,
).join('\n');

async function dispatch(workers: number) {
  const url = await databases.create();
  await startRun(url, `${header}${chain}\n`);
  const procs = Array.from({ length: workers }, () =>
    tminus(['worker', '--lease-ttl', '5s', '--poll', '200ms'], url),
  );
  await until(url, (e) => e.some((x) => x.data.type === 'run.ended'), 'the chain to end', 200);
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map(exitOf));
  const all = await events(url);
  const at = new Map<string, number>();
  for (const e of all) {
    if (e.data.type === 'step.started' || e.data.type === 'step.succeeded') {
      at.set(`${e.data.type}:${e.data.stepId}`, e.atMs);
    }
  }
  const latencies: number[] = [];
  const executions: number[] = [];
  const cycles: number[] = [];
  for (let i = 1; i < N; i++) {
    const ok = at.get(`step.succeeded:t${i - 1}`);
    const next = at.get(`step.started:t${i}`);
    const done = at.get(`step.succeeded:t${i}`);
    if (ok === undefined || next === undefined || done === undefined) {
      throw new Error(`t${i - 1} or t${i} did not run`);
    }
    latencies.push(next - ok);
    executions.push(done - next);
    cycles.push(done - ok);
  }
  const ended = all.find((e) => e.data.type === 'run.ended');
  if (ended?.data.type !== 'run.ended') throw new Error('no run.ended');
  const takeOvers = all.filter((e) => e.data.type === 'lease.taken-over').length;
  const bound = await pgCommits(url, 300);
  console.log(
    `${workers} worker${workers === 1 ? '' : 's'}: dispatch p50 ${ms(percentile(latencies, 50))}  p99 ${ms(percentile(latencies, 99))}; start → success p50 ${ms(percentile(executions, 50))}  p99 ${ms(percentile(executions, 99))}; step cycle p50 ${ms(percentile(cycles, 50))}  p99 ${ms(percentile(cycles, 99))}  (one commit: p50 ${ms(percentile(bound, 50))}  p99 ${ms(percentile(bound, 99))}; outcome ${ended.data.outcome}; take-overs ${takeOvers}; load ${load1()})`,
  );
}

async function takeOver(ttl: string) {
  const url = await databases.create();
  await startRun(
    url,
    `${header}      - { id: first, owner: ops, action: wait, with: { duration: 0s } }\n      - { id: long, owner: ops, action: wait, idempotent: true, with: { duration: 1h }, after: [first] }\n`,
  );
  const startedLong = (e: RunEvent[]) =>
    e.filter((x) => x.data.type === 'step.started' && x.data.stepId === 'long').length;
  const a = tminus(['worker', '--lease-ttl', ttl, '--poll', '200ms'], url);
  await until(url, (e) => startedLong(e) === 1, 'worker A to start the long step');
  const b = tminus(['worker', '--lease-ttl', ttl, '--poll', '200ms'], url);
  const bUp = performance.now() + 120_000;
  while (!/listening for append hints|pid \d+ on/.test(b.output())) {
    if (performance.now() > bUp) throw new Error(`worker B did not start:\n${b.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const killedAt = performance.now();
  a.kill('SIGKILL');
  await exitOf(a);
  let takenAt: number | undefined;
  const restartedAt = await until(
    url,
    (e) => {
      if (takenAt === undefined && e.some((x) => x.data.type === 'lease.taken-over')) {
        takenAt = performance.now();
      }
      return startedLong(e) >= 2;
    },
    'worker B to start the long step again',
  );
  b.kill('SIGTERM');
  await exitOf(b);
  console.log(
    `take-over, lease TTL ${ttl}: SIGKILL → take-over recorded ${takenAt === undefined ? 'n/a' : ms(takenAt - killedAt)}, → the step started again ${ms(restartedAt - killedAt)} (load ${load1()})`,
  );
}

try {
  console.log(`load average (1 min) at the start: ${load1()}`);
  await dispatch(1);
  await dispatch(3);
  for (const ttl of TTLS) await takeOver(ttl);
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await databases.dropAll();
  rmSync(dir, { recursive: true, force: true });
}
