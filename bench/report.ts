/**
 * Benchmark: `tminus report` right after a 1,000-task run ends (target: under 5 s). Two real runs of the
 * same generated no-op plan (10 phases of 100 tasks with dependencies) on a SQLite file store — the first is
 * the earlier rehearsal the report compares with — then the report of the second, Markdown and HTML, through
 * the same `writeReport` the CLI calls (journal verification, history, forecast, rendering, file written).
 * Lower bound, measured in the same run: reading the same journal from the store and writing it to a file as
 * JSON, nothing else.
 * Run: npx tsx bench/report.ts   (PER_PHASE=100 RUNS=5)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ACTION_TYPES } from '../src/core/action-types.js';
import { writeReport } from '../src/engine/report/write-report.js';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { RunSession } from '../src/engine/run-session.js';
import { SystemClock } from '../src/engine/system-clock.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { benchRunStarted, load, ms, registry, tempStore } from './engine-support.js';

const PHASES = 10;
const PER_PHASE = Number(process.env.PER_PHASE ?? 100);
const RUNS = Number(process.env.RUNS ?? 5);
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const lines: string[] = [];
for (let p = 0; p < PHASES; p++) {
  lines.push(`  - id: p${p}\n    at: T-0\n    tasks:`);
  for (let i = 0; i < PER_PHASE; i++) {
    const dep = i > 0 && rand() < 0.7 ? `, after: [t${p}-${Math.floor(rand() * i)}]` : '';
    lines.push(
      `      - { id: t${p}-${i}, title: 'Task ${p}-${i}', owner: ops, action: noop, estimate: 1m${dep} }`,
    );
  }
}
const text = `version: 1\nname: big\nroles: { ops: { members: [bob] } }\nphases:\n${lines.join('\n')}\n`;
const plan = load(text);
const path = tempStore('report');
const store = SqliteStore.open(path);
const clock = new SystemClock();

async function oneRun(runId: string): Promise<void> {
  const executor = await RunExecutor.create(
    {
      store,
      runId,
      plan,
      actions: registry(),
      clock,
      redactor: new Redactor(),
      secrets: { env: {}, baseDir: '.' },
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      pollMs: 200,
    },
    benchRunStarted('big', text, clock.now()),
    clock.now(),
  );
  const outcome = await executor.run();
  if (outcome !== 'completed') throw new Error(`run ${runId} ended ${outcome}`);
}

await oneRun('earlier');
await oneRun('bench');
const events = (await store.readEvents('bench')).length;
const actions = registry();
const ctx = {
  actions,
  catalog: actions.catalog(ACTION_TYPES),
  env: {},
  realNow: () => Date.now(),
  where: path,
};
const dir = join(path, '..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bound: number[] = [];
const md: number[] = [];
const html: number[] = [];
const cpu = { md: [] as number[], html: [] as number[] };
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1000;
};
let sizes = { md: 0, html: 0 };
for (let r = 0; r < RUNS; r++) {
  let t = performance.now();
  const journal = await store.readEvents('bench');
  writeFileSync(join(dir, 'journal.json'), JSON.stringify(journal));
  bound.push(performance.now() - t);
  for (const format of ['md', 'html'] as const) {
    t = performance.now();
    const c0 = process.cpuUsage();
    const session = await RunSession.open(store, { runId: 'bench' }, ctx);
    const written = await writeReport(session, {
      format,
      out: join(dir, `report.${format}`),
      overwrite: true,
    });
    (format === 'md' ? md : html).push(performance.now() - t);
    cpu[format].push(cpuMs(c0));
    sizes = { ...sizes, [format]: (written.content as string).length };
  }
}
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg()[0]!.toFixed(2)}`,
);
console.log(`${PHASES * PER_PHASE}-task run, ${events} events; median of ${RUNS}:`);
console.log(`  lower bound (read the journal, write it as JSON): ${ms(median(bound))}`);
for (const [format, wall] of [
  ['md', md],
  ['html', html],
] as const) {
  console.log(
    `  tminus report --format ${format}: ${ms(median(wall))} wall, ${ms(median(cpu[format]))} CPU (${(sizes[format] / 1024).toFixed(0)} KiB)`,
  );
}
await store.close();
