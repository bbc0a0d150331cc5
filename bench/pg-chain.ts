/**
 * A chain of dependent no-op steps on the same PostgreSQL (127.0.0.1:5432), side by side: tminus (the
 * executor on the PostgreSQL store, each task after the one before) against graphile-worker (each job adds
 * the next, one worker, concurrency 1). Steps per second for each, alternating, `ROUNDS` rounds (default 3),
 * each in a fresh database; `N` steps (default 500). graphile-worker is a dev dependency of this bench only.
 */
import { performance } from 'node:perf_hooks';
import { Logger, run as graphileRun, runMigrations } from 'graphile-worker';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { benchRunStarted, load, load1, ms, percentile, pgDatabases, registry } from './engine-support.js';

const N = Number(process.env.N ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const tasks = Array.from(
  { length: N },
  (_, i) => `      - { id: t${i}, owner: ops, action: noop${i > 0 ? `, after: [t${i - 1}]` : ''} }`,
);
const text = `version: 1\nname: chain\nroles: { ops: { members: [bob] } }\nphases:\n  - id: p\n    at: T-0\n    tasks:\n${tasks.join('\n')}\n`;
const plan = load(text);
const databases = pgDatabases();
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** tminus: wall time of the run, from its first decision to run.ended. */
async function tminusChain(): Promise<number> {
  const store = await PostgresStore.open(await databases.create());
  const clock = new SystemClock();
  try {
    const executor = await RunExecutor.create(
      {
        store,
        runId: 'chain',
        plan,
        actions: registry(),
        clock,
        redactor: new Redactor(),
        secrets: { env: {}, baseDir: '.' },
        logger: quiet,
        pollMs: 200,
      },
      benchRunStarted('chain', text, clock.now()),
      clock.now(),
    );
    const t0 = performance.now();
    const outcome = await executor.run();
    const wall = performance.now() - t0;
    if (outcome !== 'completed') throw new Error(`the tminus chain ended ${outcome}`);
    const done = (await store.readEvents('chain')).filter((e) => e.data.type === 'step.succeeded');
    if (done.length !== N) throw new Error(`the tminus chain recorded ${done.length} successes, not ${N}`);
    return wall;
  } finally {
    await store.close();
  }
}

/** graphile-worker: wall time from adding the first job to the completion of the last. */
async function graphileChain(): Promise<number> {
  const connectionString = await databases.create();
  const logger = new Logger(() => () => undefined);
  await runMigrations({ connectionString, logger });
  let ran = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const runner = await graphileRun({
    connectionString,
    concurrency: 1,
    noHandleSignals: true,
    logger,
    taskList: {
      step: async (payload, helpers) => {
        ran++;
        const n = (payload as { n: number }).n;
        if (n + 1 < N) await helpers.addJob('step', { n: n + 1 });
      },
    },
  });
  runner.events.on('job:complete', ({ job }) => {
    if ((job.payload as { n: number }).n === N - 1) finish();
  });
  const t0 = performance.now();
  await runner.addJob('step', { n: 0 });
  await finished;
  const wall = performance.now() - t0;
  await runner.stop();
  if (ran !== N) throw new Error(`the graphile-worker chain ran ${ran} jobs, not ${N}`);
  return wall;
}

const rate = (wall: number) => N / (wall / 1000);
const ours: number[] = [];
const theirs: number[] = [];
const loads: string[] = [load1()];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which goes first, so neither always meets a warmer (or busier) server.
  if (r % 2 === 0) {
    ours.push(await tminusChain());
    theirs.push(await graphileChain());
  } else {
    theirs.push(await graphileChain());
    ours.push(await tminusChain());
  }
  loads.push(load1());
  console.log(
    `round ${r + 1}: tminus ${ms(ours.at(-1)!)} (${rate(ours.at(-1)!).toFixed(0)} steps/s), graphile-worker ${ms(theirs.at(-1)!)} (${rate(theirs.at(-1)!).toFixed(0)} steps/s)`,
  );
}
const med = (xs: number[]) => percentile(xs, 50);
console.log(`a chain of ${N} dependent no-op steps on PostgreSQL 127.0.0.1, median of ${ROUNDS}:`);
console.log(`  tminus           ${rate(med(ours)).toFixed(0)} steps/s (${ms(med(ours))})`);
console.log(`  graphile-worker  ${rate(med(theirs)).toFixed(0)} steps/s (${ms(med(theirs))})`);
console.log(`  tminus / graphile-worker: ${(rate(med(ours)) / rate(med(theirs))).toFixed(2)}×`);
console.log(`load average (1 min) during the rounds: ${loads.join(', ')}`);
await databases.dropAll();
