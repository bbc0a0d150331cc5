/**
 * Dispatch latency on SQLite: from the moment a task's success is recorded to the moment its dependent's
 * start is recorded, over a chain of no-op tasks on the real clock with a file store (WAL, synchronous=FULL).
 * Lower bound printed alongside: one append transaction (a dispatch needs at least one commit).
 * `--postgres`: the same on the PostgreSQL store (a fresh database on 127.0.0.1:5432); the bound is then one
 * commit (a one-row INSERT in autocommit over an open connection), and the statements sent per dispatch are
 * counted on the client.
 */
import { performance } from 'node:perf_hooks';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import pg from 'pg';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import type { RunStore } from '../src/store/store.js';
import {
  benchRunStarted,
  load,
  load1,
  ms,
  percentile,
  pgCommits,
  pgDatabases,
  registry,
  tempStore,
} from './engine-support.js';

const N = Number(process.env.N ?? 500);
const tasks = Array.from(
  { length: N },
  (_, i) => `      - { id: t${i}, owner: ops, action: noop${i > 0 ? `, after: [t${i - 1}]` : ''} }`,
);
const text = `version: 1\nname: chain\nroles: { ops: { members: [bob] } }\nphases:\n  - id: p\n    at: T-0\n    tasks:\n${tasks.join('\n')}\n`;
const plan = load(text);
const usePg = process.argv.includes('--postgres');
const databases = pgDatabases();
const openStore = async (name: string): Promise<RunStore> =>
  usePg ? PostgresStore.open(await databases.create()) : SqliteStore.open(tempStore(name));
// Statements sent to PostgreSQL (each is one round trip), counted while the chain runs.
let statements = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
} as never;
const store = await openStore('dispatch');
const clock = new SystemClock();
const seen = new Map<string, number>();
const executor = await RunExecutor.create(
  {
    store,
    runId: 'bench',
    plan,
    actions: registry(),
    clock,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '.' },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    pollMs: 200,
    onEvent: (e) => {
      if (e.data.type === 'step.started' || e.data.type === 'step.succeeded') {
        seen.set(`${e.data.type}:${e.data.stepId}`, performance.now());
      }
    },
  },
  benchRunStarted('chain', text, clock.now()),
  clock.now(),
);
const t0 = performance.now();
const before = statements;
await executor.run();
const total = performance.now() - t0;
const perTask = (statements - before) / N;
const latencies: number[] = [];
// And the other half of each step: its start recorded → its (no-op) success recorded.
const runs: number[] = [];
for (let i = 1; i < N; i++) {
  latencies.push(seen.get(`step.started:t${i}`)! - seen.get(`step.succeeded:t${i - 1}`)!);
  runs.push(seen.get(`step.succeeded:t${i}`)! - seen.get(`step.started:t${i}`)!);
}

// Lower bound: the cost of one append transaction on the same kind of file.
const bound = await openStore('bound');
await bound.createRun('b', [
  {
    atMs: 0,
    actor: 'system',
    data: {
      type: 'run.started',
      planName: 'b',
      planTitle: 'b',
      planText: '',
      planPath: '.',
      mode: 'rehearsal',
      goLiveMs: 0,
      dryRun: false,
      autoApprove: false,
      comms: 'off',
      speed: 1,
      rollbackSteps: [],
    },
  },
]);
const commits: number[] = [];
for (let i = 0; i < 300; i++) {
  const s = performance.now();
  await bound.append('b', i + 1, [
    { atMs: i, actor: 'system', data: { type: 'step.started', stepId: 'x', attempt: i } },
  ]);
  commits.push(performance.now() - s);
}
console.log(
  `dispatch latency over a chain of ${N} no-op tasks (${usePg ? 'PostgreSQL on 127.0.0.1' : 'SQLite, WAL, synchronous=FULL'}):`,
);
console.log(
  `  p50 ${ms(percentile(latencies, 50))}  p99 ${ms(percentile(latencies, 99))}  max ${ms(Math.max(...latencies))}`,
);
console.log(`  a no-op step's start → its success: p50 ${ms(percentile(runs, 50))}`);
console.log(`  whole chain ${ms(total)} (${(N / (total / 1000)).toFixed(0)} tasks/s)`);
console.log(
  `${usePg ? 'the store' : 'lower bound'}, one append transaction: p50 ${ms(percentile(commits, 50))}  p99 ${ms(percentile(commits, 99))}`,
);
if (usePg) {
  console.log(`  statements sent per task (each one round trip): ${perTask.toFixed(2)}`);
  const bare = await pgCommits(await databases.create(), 300);
  console.log(
    `lower bound, one commit (one-row INSERT, autocommit): p50 ${ms(percentile(bare, 50))}  p99 ${ms(percentile(bare, 99))}`,
  );
  console.log(
    `  dispatch p50 / commit p50: ${(percentile(latencies, 50) / percentile(bare, 50)).toFixed(2)}×`,
  );
}
console.log(`load average (1 min): ${load1()}`);
await store.close();
await bound.close();
await databases.dropAll();
