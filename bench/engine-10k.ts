/**
 * A 10,000-task no-op plan end to end on the real clock with a file store: 10 phases of 1,000 tasks, each
 * task after one earlier task of its phase. Lower bound printed alongside: appending the very batches the
 * engine appended (same events, same transactions, same seal and fsync) to the same kind of store, with no
 * scheduling at all.
 * Wall and CPU time are both printed: on a shared, loaded machine the wall time mostly measures the queue
 * for a core. `PER_PHASE=5000` runs 50,000 tasks.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewRunEvent } from '../src/core/run/run-event.js';
import {
  benchRunStarted,
  load,
  ms,
  noopPlanText,
  registry,
  tempStore,
  threadCpuMs,
  threadCpuSince,
} from './engine-support.js';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const PHASES = 10;
const PER_PHASE = Number(process.env.PER_PHASE ?? 1000);
const text = noopPlanText(PHASES, PER_PHASE);
let t = performance.now();
const plan = load(text);
const loadMs = performance.now() - t;
if (process.env.WARM_STORE === '1') {
  // Diagnostic: the bound runs after the engine, on store code the engine's run made V8 compile. With
  // WARM_STORE=1 both run after the same warm-up of the store alone (as many batches of the same events as
  // the engine appends, to a scratch store), so neither pays for compiling the store's code.
  const warm = SqliteStore.open(tempStore('warm'));
  await warm.createRun('w', [{ atMs: 0, actor: 'system', data: benchRunStarted('w', '', 0) }]);
  let at = 1;
  for (let b = 0; b < 109; b++) {
    const batch: NewRunEvent[] = [];
    for (let k = 0; k < 92; k++) {
      batch.push({
        atMs: b,
        actor: 'system',
        data: { type: 'step.succeeded', stepId: `w${b}-${k}`, attempt: 1, summary: 'ok' },
      });
      batch.push({
        atMs: b,
        actor: 'system',
        data: { type: 'step.started', stepId: `w${b}-${k}+`, attempt: 1 },
      });
    }
    await warm.append('w', at, batch);
    at += batch.length;
  }
  await warm.close();
}
const store = SqliteStore.open(tempStore('big'));
const clock = new SystemClock();
/** How many events each of the engine's appends wrote (its events are read back afterwards for the bound). */
const batches: number[] = [];
const append = store.append.bind(store);
const counting = Object.assign(Object.create(store) as SqliteStore, {
  append: async (...args: Parameters<SqliteStore['append']>) => {
    const r = await append(...args);
    if (r.ok) batches.push(r.events.length);
    return r;
  },
  createRun: store.createRun.bind(store),
  readEvents: store.readEvents.bind(store),
});
const executor = await RunExecutor.create(
  {
    store: counting,
    runId: 'bench',
    plan,
    actions: registry(),
    clock,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '.' },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    pollMs: 200,
  },
  benchRunStarted('big', text, clock.now()),
  clock.now(),
);
// Per-thread readings outside the CPU measured for the ratio (they read files).
let threads = threadCpuMs();
t = performance.now();
let cpu = process.cpuUsage();
const outcome = await executor.run();
const runMs = performance.now() - t;
const runCpuMs = cpuMs(process.cpuUsage(cpu));
const runThreads = threadCpuSince(threads);
const journal = await store.readEvents('bench');
const events = journal.length;
const transactions = batches.length;
console.log(
  `${PHASES * PER_PHASE}-task no-op plan: ${outcome} in ${ms(runMs)}, CPU ${ms(runCpuMs)} (plan load + validation ${ms(loadMs)})`,
);
console.log(
  `  ${events} events in ${transactions} append transactions; ${((PHASES * PER_PHASE) / (runMs / 1000)).toFixed(0)} tasks/s`,
);
console.log(`  engine CPU by thread: ${runThreads}`);

// Lower bound: the engine's own transactions replayed as they were, nothing else.
const bound = SqliteStore.open(tempStore('bound'));
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
// The engine's own events, in its own transactions (read back before the clock starts).
const replay: NewRunEvent[][] = [];
let next = 1; // after run.started
for (const n of batches) {
  replay.push(journal.slice(next, next + n).map((e) => ({ atMs: e.atMs, actor: e.actor, data: e.data })));
  next += n;
}
threads = threadCpuMs();
t = performance.now();
cpu = process.cpuUsage();
let seq = 1;
for (const batch of replay) {
  await bound.append('b', seq, batch);
  seq += batch.length;
}
const boundMs = performance.now() - t;
const boundCpuMs = cpuMs(process.cpuUsage(cpu));
const boundThreads = threadCpuSince(threads);
console.log(
  `lower bound, the same ${transactions} transactions (same events, ${(events / transactions).toFixed(0)} a transaction on average) with no engine: ${ms(boundMs)}, CPU ${ms(boundCpuMs)}`,
);
console.log(`  bound CPU by thread: ${boundThreads}`);
const tasks = PHASES * PER_PHASE;
console.log(
  `engine / bound: ${(runMs / boundMs).toFixed(2)}× wall, ${(runCpuMs / boundCpuMs).toFixed(2)}× CPU; ` +
    `per task ${((runMs * 1000) / tasks).toFixed(0)} µs wall, ${((runCpuMs * 1000) / tasks).toFixed(0)} µs CPU; ` +
    `load ${os.loadavg()[0]!.toFixed(1)}`,
);
await store.close();
await bound.close();
