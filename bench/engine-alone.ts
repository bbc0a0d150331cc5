/**
 * The engine alone: the 10,000-task no-op plan of `engine-10k.ts` on a store that only keeps the events in
 * memory (no SQL, no seal, no fsync), run `RUNS` times (default 4) in one process, each on a fresh store and a
 * fresh executor. Prints the CPU of each run, the main thread's apart from the other threads' (V8's optimizing
 * compiler, GC helpers): the first run pays for compiling the engine's code, the later ones show what the
 * engine itself costs per task once it is compiled. `PER_PHASE=5000` runs 50,000 tasks.
 */
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import type { NewRunEvent, RunEvent } from '../src/core/run/run-event.js';
import type { AppendResult, RunStore } from '../src/store/store.js';
import {
  benchRunStarted,
  load,
  ms,
  noopPlanText,
  registry,
  threadCpuMs,
  threadCpuSince,
} from './engine-support.js';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const PHASES = 10;
const PER_PHASE = Number(process.env.PER_PHASE ?? 1000);
const RUNS = Number(process.env.RUNS ?? 4);
const text = noopPlanText(PHASES, PER_PHASE); // the plan of engine-10k.ts
const plan = load(text);

/** Only what the executor calls without a lease: create, append (conditional on the head), read. */
function memoryStore(): RunStore {
  const journal: RunEvent[] = [];
  const add = (runId: string, events: readonly NewRunEvent[]): RunEvent[] =>
    events.map((e) => {
      const seq = journal.length + 1;
      const event = {
        runId,
        seq,
        atMs: Math.round(e.atMs),
        actor: e.actor,
        data: e.data,
        prevHash: '',
        hash: `${seq}`,
      };
      journal.push(event);
      return event;
    });
  const store: Pick<RunStore, 'createRun' | 'append' | 'readEvents'> = {
    createRun: (runId, events) => Promise.resolve(add(runId, events)),
    append: (runId, expectedSeq, events): Promise<AppendResult> =>
      Promise.resolve(
        expectedSeq === journal.length
          ? { ok: true, events: add(runId, events) }
          : { ok: false, lastSeq: journal.length },
      ),
    readEvents: (_runId, afterSeq = 0) => Promise.resolve(journal.slice(afterSeq)),
  };
  return store as RunStore;
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
for (let run = 1; run <= RUNS; run++) {
  const clock = new SystemClock();
  const executor = await RunExecutor.create(
    {
      store: memoryStore(),
      runId: 'bench',
      plan,
      actions: registry(),
      clock,
      redactor: new Redactor(),
      secrets: { env: {}, baseDir: '.' },
      logger: quiet,
      pollMs: 200,
    },
    benchRunStarted('big', text, clock.now()),
    clock.now(),
  );
  const threads = threadCpuMs();
  const cpu = process.cpuUsage();
  const outcome = await executor.run();
  const runCpuMs = cpuMs(process.cpuUsage(cpu));
  console.log(
    `run ${run}: ${PHASES * PER_PHASE} tasks ${outcome}, CPU ${ms(runCpuMs)} (${threadCpuSince(threads)}), ` +
      `${((runCpuMs * 1000) / (PHASES * PER_PHASE)).toFixed(1)} µs a task`,
  );
}
