/**
 * Resume time after a SIGKILL with a 100,000-event journal: a real `tminus resume` process is started on a
 * store whose run has 100,000 events and a step caught running; measured until the resumed executor has
 * settled that step (its first new event). Lower bound printed alongside: starting node and reading the
 * same rows with a bare SELECT. Both processes' CPU time is printed too (on a loaded machine the wall time is
 * mostly the wait for a core): the resumed process's from /proc at the moment it settled the step, the
 * bound's from its own `process.cpuUsage()` at exit (Linux). The run stores its plan as `tminus run` does:
 * the text and the parsed document (`planDocument`); `PLAN_DOCUMENT=0` stores the text only, as journals
 * written before the document was stored. `SETUP_ONLY=1` only writes the store and prints its path.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import type { NewRunEvent } from '../src/core/run/run-event.js';
import { foldRun } from '../src/core/run/run-state.js';
import { storableDocument } from '../src/core/plan/stored-plan.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { ms } from './engine-support.js';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const TASKS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'tminus-bench-resume-'));
const tasks = Array.from(
  { length: TASKS },
  (_, i) =>
    `      - { id: t${i}, owner: ops, action: shell, with: { run: 'true' }, retry: { attempts: 100, backoff: 0s } }`,
);
const text = `version: 1\nname: resume\nroles: { ops: { members: [bob] } }\nphases:\n  - id: p\n    at: T-0\n    tasks:\n${tasks.join('\n')}\n`;
writeFileSync(join(dir, 'plan.yaml'), text);
const storePath = join(dir, '.tminus', 'tminus.db');
const store = SqliteStore.open(storePath);
const now = Date.now();
await store.createRun('r', [
  {
    atMs: now,
    actor: 'system',
    data: {
      type: 'run.started',
      planName: 'resume',
      planTitle: 'resume',
      planText: text,
      ...(process.env.PLAN_DOCUMENT === '0' ? {} : { planDocument: storableDocument(parse(text)) }),
      planPath: join(dir, 'plan.yaml'),
      mode: 'rehearsal',
      goLiveMs: now,
      dryRun: false,
      autoApprove: false,
      comms: 'off',
      speed: 1,
      rollbackSteps: [],
    },
  },
]);
// A long night: every task failed and was retried many times; one attempt of t0 was running at the kill.
let seq = 1;
const perTask = Math.ceil((EVENTS - 2) / TASKS / 2);
for (let round = 1; round <= perTask; round++) {
  const batch: NewRunEvent[] = [];
  for (let i = 0; i < TASKS; i++) {
    batch.push({
      atMs: now,
      actor: 'system',
      data: { type: 'step.started', stepId: `t${i}`, attempt: round },
    });
    batch.push({
      atMs: now,
      actor: 'system',
      data: {
        type: 'step.failed',
        stepId: `t${i}`,
        attempt: round,
        error: { code: 'ACTION_FAILED', message: 'exit 1' },
        retryAtMs: now,
      },
    });
  }
  const r = await store.append('r', seq, batch);
  if (r.ok) seq += batch.length;
}
await store.append('r', seq, [
  { atMs: now, actor: 'system', data: { type: 'step.started', stepId: 't0', attempt: perTask + 1 } },
]);
seq += 1;
await store.close();
if (process.env.SETUP_ONLY === '1') {
  // For profiling `tminus resume` by hand: the store is left as the kill left it.
  console.log(storePath);
  process.exit(0);
}

/** A live process's CPU time so far (user + system), from /proc; NaN where there is none. */
function cpuOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

const t0 = performance.now();
const child = spawn(
  process.execPath,
  [join(import.meta.dirname, '..', 'bin', 'tminus.js'), 'resume', '--store', storePath],
  { env: { ...process.env, NO_COLOR: '1' } },
);
let out = '';
child.stderr.on('data', (c: Buffer) => (out += c.toString()));
let settledAt = 0;
let settledCpu = NaN;
child.stdout.on('data', (c: Buffer) => {
  out += c.toString();
  if (!settledAt && out.includes('t0: was running at a crash')) {
    settledAt = performance.now();
    settledCpu = cpuOf(child.pid);
    child.kill('SIGKILL');
  }
});
await new Promise((r) => child.on('close', r));
if (!settledAt) throw new Error(`resume did not settle t0:\n${out}`);

const b0 = performance.now();
const lower = spawn(process.execPath, [
  '-e',
  `const D=require(${JSON.stringify(join(import.meta.dirname, '..', 'node_modules', 'better-sqlite3'))});const d=new D(${JSON.stringify(storePath)},{readonly:true});d.prepare('SELECT * FROM events WHERE run_id=? ORDER BY seq').all('r');const u=process.cpuUsage();console.log((u.user+u.system)/1000);`,
]);
let lowerOut = '';
lower.stdout.on('data', (c: Buffer) => (lowerOut += c.toString()));
await new Promise((r) => lower.on('close', r));
const lowerCpu = Number(lowerOut.trim());
const lowerMs = performance.now() - b0;

const db = new Database(storePath, { readonly: true });
const rows = db.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
db.close();
const s2 = SqliteStore.open(storePath);
const f0 = performance.now();
const events = await s2.readEvents('r');
const readMs = performance.now() - f0;
const g0 = performance.now();
foldRun(events);
const foldMs = performance.now() - g0;
await s2.close();
console.log(
  `resume after SIGKILL with a ${rows.n}-event journal (real \`tminus resume\` process, until the running step is settled): ${ms(settledAt - t0)}, CPU ${ms(settledCpu)}`,
);
console.log(`  in-process parts: read + parse ${ms(readMs)}, fold ${ms(foldMs)}`);
console.log(`lower bound, node start + bare SELECT of the same rows: ${ms(lowerMs)}, CPU ${ms(lowerCpu)}`);
console.log(
  `resume / bound: ${((settledAt - t0) / lowerMs).toFixed(2)}× wall, ${(settledCpu / lowerCpu).toFixed(2)}× CPU; load ${os.loadavg()[0]!.toFixed(1)}`,
);
