/**
 * Dispatch latency: what a user waits for between a step and the next one of a chain. Over a chain of no-op
 * tasks on the real clock, from the moment a task's action returned (in this process) to the moment the
 * append carrying its dependent's `step.started` is committed (the store's `append` resolved: durable). The
 * times come from the bench's own no-op action and a wrapper around the store; the engine is not changed
 * for the bench. (The events' own timestamps say nothing here: the executor records a success and the
 * starts it unblocks in one append, stamped with one time.)
 *
 * Bound, measured in the same run (half before the chain, half after): SQLite (WAL, synchronous=FULL): one
 * append transaction of the same size (a step.succeeded and a step.started, sealed, as the chain appends).
 * `--postgres` (a fresh database on 127.0.0.1:5432): one commit of a one-row INSERT, in autocommit over an
 * open connection, into a table shaped like `events`, and the same INSERT as a named prepared statement on a
 * connection of its own (what the store's hot statements are, so the ratio can be read against either); the
 * store's own append (the same two events) is printed beside them, and the statements sent per task are
 * counted on the client.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { z } from 'zod';
import { ActionRegistry } from '../src/actions/action-registry.js';
import type { ActionDefinition } from '../src/engine/action.js';
import { Redactor } from '../src/engine/redactor.js';
import { RunExecutor } from '../src/engine/run-executor.js';
import { SystemClock } from '../src/engine/system-clock.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { RunStore } from '../src/store/store.js';
import { benchRunStarted, load, load1, ms, percentile, pgDatabases, tempStore } from './engine-support.js';

const N = Number(process.env.N ?? 500);
const BOUND = Number(process.env.BOUND ?? 300);
const tasks = Array.from(
  { length: N },
  (_, i) => `      - { id: t${i}, owner: ops, action: noop${i > 0 ? `, after: [t${i - 1}]` : ''} }`,
);
const text = `version: 1\nname: chain\nroles: { ops: { members: [bob] } }\nphases:\n  - id: p\n    at: T-0\n    tasks:\n${tasks.join('\n')}\n`;
const plan = load(text);
const usePg = process.argv.includes('--postgres');
const databases = pgDatabases();
/** The database of each PostgreSQL store opened here, by name. */
const urls = new Map<string, string>();
const openStore = async (name: string): Promise<RunStore> => {
  if (!usePg) return SqliteStore.open(tempStore(name));
  const url = await databases.create();
  urls.set(name, url);
  return PostgresStore.open(url);
};

/**
 * CPU time the PostgreSQL server spent for one database so far (its backends' time on a CPU, from
 * /proc/<pid>/schedstat, in µs: the server runs on this machine). Less at the mercy of the load than wall.
 */
async function serverCpu(url: string, only?: pg.Client): Promise<number> {
  const c = only ?? new pg.Client({ connectionString: url });
  if (!only) await c.connect();
  try {
    const r = await c.query<{ pid: number }>(
      only
        ? 'SELECT pg_backend_pid() AS pid'
        : 'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    let ns = 0;
    for (const { pid } of r.rows) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a backend that ended meanwhile
      }
    }
    return ns / 1000;
  } finally {
    if (!only) await c.end();
  }
}

// Statements sent to PostgreSQL (each is one round trip), counted while the chain runs.
let statements = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
} as never;

/** When each step's action returned, by step id. */
const returned = new Map<string, number>();
const noop: ActionDefinition<Record<string, unknown>> = {
  type: 'noop',
  description: 'does nothing, and notes when it returned',
  params: z.record(z.string(), z.unknown()),
  idempotent: true,
  execute: (ctx) => {
    returned.set(ctx.run.stepId, performance.now());
    return Promise.resolve({ summary: 'ok' });
  },
};

/** When the append carrying each step's start was committed, by step id (the store's append resolved). */
const startCommitted = new Map<string, number>();
const succeededCommitted = new Map<string, number>();
/** When the store's append that carried each step's start was called. */
const startAppendCalled = new Map<string, number>();
/** The store as the executor sees it, with every append's resolve timed (the rest passed through). */
function timed(store: RunStore): RunStore {
  const append: RunStore['append'] = async (...args) => {
    const called = performance.now();
    const r = await store.append(...args);
    const at = performance.now();
    if (r.ok) {
      for (const e of r.events) {
        if (e.data.type === 'step.started') {
          startCommitted.set(e.data.stepId, at);
          startAppendCalled.set(e.data.stepId, called);
        }
        if (e.data.type === 'step.succeeded') succeededCommitted.set(e.data.stepId, at);
      }
    }
    return r;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') return append;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// Bound first half, before the chain: the machine's state drifts over a run.
const boundTimes: number[] = [];
/** PostgreSQL: the same bound commit sent as a named prepared statement (parsed and planned once). */
const namedBoundTimes: number[] = [];
const storeAppends: number[] = [];
const bound = await openBound();
await bound.measure(BOUND / 2);

const inner = await openStore('dispatch');
const store = timed(inner);
const clock = new SystemClock();
const executor = await RunExecutor.create(
  {
    store,
    runId: 'bench',
    plan,
    actions: new ActionRegistry().register(noop),
    clock,
    redactor: new Redactor(),
    secrets: { env: {}, baseDir: '.' },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    pollMs: 200,
  },
  benchRunStarted('chain', text, clock.now()),
  clock.now(),
);
const server0 = usePg ? await serverCpu(urls.get('dispatch')!) : 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const before = statements;
await executor.run();
const cpu = process.cpuUsage(cpu0);
const total = performance.now() - t0;
const perTask = (statements - before) / N;
const loadAfterChain = load1();
const serverPerTask = usePg ? ((await serverCpu(urls.get('dispatch')!)) - server0) / N : 0;

await bound.measure(BOUND - BOUND / 2);

// A dispatch: t(i-1)'s action returned → the append with t(i)'s start committed.
const dispatch: number[] = [];
// And the other half of a step: its start committed → its own action returned (the executor's CPU to call it).
const toAction: number[] = [];
// Its two parts: the action returned → the store's append called (the executor), and that append itself.
const beforeAppend: number[] = [];
const inAppend: number[] = [];
for (let i = 1; i < N; i++) {
  dispatch.push(startCommitted.get(`t${i}`)! - returned.get(`t${i - 1}`)!);
  beforeAppend.push(startAppendCalled.get(`t${i}`)! - returned.get(`t${i - 1}`)!);
  inAppend.push(startCommitted.get(`t${i}`)! - startAppendCalled.get(`t${i}`)!);
  toAction.push(returned.get(`t${i}`)! - startCommitted.get(`t${i}`)!);
}
const sameAppend = [...startCommitted].filter(([id]) => {
  const i = Number(id.slice(1));
  return i > 0 && succeededCommitted.get(`t${i - 1}`) === startCommitted.get(id);
}).length;

const p50 = percentile(dispatch, 50);
const b50 = percentile(boundTimes, 50);
console.log(
  `dispatch over a chain of ${N} no-op tasks (${usePg ? 'PostgreSQL on 127.0.0.1' : 'SQLite, WAL, synchronous=FULL'}),`,
);
console.log(`a task's action returned → the append with its dependent's start committed:`);
console.log(
  `  p50 ${ms(p50)}  p99 ${ms(percentile(dispatch, 99))}  max ${ms(Math.max(...dispatch))}` +
    `  (the start in the success's own append: ${sameAppend} of ${N - 1})`,
);
console.log(
  `  of which the action returned → the store's append called: p50 ${ms(percentile(beforeAppend, 50))}` +
    `  p99 ${ms(percentile(beforeAppend, 99))}; the append called → committed: p50 ${ms(percentile(inAppend, 50))}` +
    `  p99 ${ms(percentile(inAppend, 99))}`,
);
console.log(`  a start committed → that step's action returned: p50 ${ms(percentile(toAction, 50))}`);
const us = (x: number[]) => (percentile(x, 50) * 1000).toFixed(1);
console.log(
  `  p50 in µs: dispatch ${us(dispatch)}, its action returned → append called ${us(beforeAppend)}, append called → committed ${us(inAppend)}; bound ${us(boundTimes)}`,
);
console.log(
  `  whole chain ${ms(total)} (${(N / (total / 1000)).toFixed(0)} tasks/s), CPU ${ms((cpu.user + cpu.system) / 1000)} (system ${ms(cpu.system / 1000)})` +
    ` (${((cpu.user + cpu.system) / N).toFixed(0)} µs a task, both the engine and the store client)`,
);
if (usePg) {
  console.log(`  statements sent per task (each one round trip): ${perTask.toFixed(2)}`);
  console.log(
    `the store's append of the same two events (a success and a start), alone: p50 ${ms(percentile(storeAppends, 50))}  p99 ${ms(percentile(storeAppends, 99))}`,
  );
}
const serverLine = usePg
  ? `; server CPU: ${serverPerTask.toFixed(0)} µs a task in the chain, ${bound.serverPerAppend().toFixed(0)} µs a store append alone, ${bound.serverPerCommit().toFixed(0)} µs a bound commit (chain / bound ${(serverPerTask / bound.serverPerCommit()).toFixed(2)}×)`
  : '';
const n50 = usePg ? percentile(namedBoundTimes, 50) : NaN;
console.log(
  `bound, ${usePg ? 'one commit (one-row INSERT into a table shaped like events, autocommit)' : 'one append transaction of the same two events'}` +
    `: p50 ${ms(b50)}  p99 ${ms(percentile(boundTimes, 99))}`,
);
if (usePg) {
  console.log(
    `bound sent as a named prepared statement: p50 ${ms(n50)}  p99 ${ms(percentile(namedBoundTimes, 99))};` +
      ` server CPU ${bound.serverPerNamedCommit().toFixed(0)} µs a commit`,
  );
}
console.log(`dispatch p50 / bound p50: ${(p50 / b50).toFixed(2)}×${serverLine}`);
if (usePg) {
  console.log(
    `dispatch p50 / named bound p50: ${(p50 / n50).toFixed(2)}×; server CPU a task / a named bound commit ${(serverPerTask / bound.serverPerNamedCommit()).toFixed(2)}×`,
  );
}
console.log(
  `load average (1 min): before ${bound.loadBefore}, after the chain ${loadAfterChain}, end ${load1()}`,
);
await inner.close();
await bound.close();
await databases.dropAll();

/** The bound of this run, measured in two halves around the chain. */
async function openBound(): Promise<{
  measure(n: number): Promise<void>;
  close(): Promise<void>;
  loadBefore: string;
  serverPerCommit(): number;
  serverPerNamedCommit(): number;
  serverPerAppend(): number;
}> {
  const loadBefore = load1();
  const pair = (i: number) => [
    {
      atMs: i,
      actor: 'system',
      data: { type: 'step.succeeded' as const, stepId: `x${i}`, attempt: 1, summary: 'ok' },
    },
    { atMs: i, actor: 'system', data: { type: 'step.started' as const, stepId: `x${i + 1}`, attempt: 1 } },
  ];
  const boundStore = await openStore('bound');
  const created = await boundStore.createRun('b', [
    { atMs: 0, actor: 'system', data: benchRunStarted('b', '', 0) },
  ]);
  let seq = created.at(-1)!.seq;
  let i = 0;
  // The store's own append of the chain's two events, timed alone (PostgreSQL only: on SQLite it is the bound).
  const appendPairs = async (n: number, into: number[]) => {
    for (let k = 0; k < n; k++, i++) {
      const s = performance.now();
      const r = await boundStore.append('b', seq, pair(i));
      into.push(performance.now() - s);
      if (!r.ok) throw new Error('the bound append failed');
      seq = r.events.at(-1)!.seq;
    }
  };
  if (!usePg) {
    return {
      loadBefore,
      measure: (n) => appendPairs(n, boundTimes),
      close: () => boundStore.close(),
      serverPerCommit: () => NaN,
      serverPerNamedCommit: () => NaN,
      serverPerAppend: () => NaN,
    };
  }
  const boundUrl = await databases.create();
  const c = new pg.Client({ connectionString: boundUrl });
  await c.connect();
  // The named bound on a connection of its own, so that its server CPU is counted apart.
  const cn = new pg.Client({ connectionString: boundUrl });
  await cn.connect();
  await c.query(`CREATE TABLE events (
    run_id text NOT NULL, seq integer NOT NULL, at_ms bigint NOT NULL, actor text NOT NULL, type text NOT NULL,
    data text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, mac text, PRIMARY KEY (run_id, seq))`);
  let row = 0;
  const hash = 'f'.repeat(64);
  let commitCpu = 0;
  let namedCpu = 0;
  let appendCpu = 0;
  let measured = 0;
  return {
    loadBefore,
    serverPerCommit: () => commitCpu / measured,
    serverPerNamedCommit: () => namedCpu / measured,
    serverPerAppend: () => appendCpu / measured,
    async measure(n) {
      const commit0 = await serverCpu('', c);
      const named0 = await serverCpu('', cn);
      const append0 = await serverCpu(urls.get('bound')!);
      // Alternate the bound and the store's append, so both see the same moments of the machine.
      for (let k = 0; k < n; k++) {
        row++;
        const s = performance.now();
        await c.query(
          'INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          [
            'b',
            row,
            Date.now(),
            'system',
            'step.started',
            '{"type":"step.started","stepId":"x","attempt":1}',
            hash,
            hash,
            hash,
          ],
        );
        boundTimes.push(performance.now() - s);
        row++;
        const sn = performance.now();
        await cn.query({
          name: 'bound_insert',
          text: 'INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
          values: [
            'b',
            row,
            Date.now(),
            'system',
            'step.started',
            '{"type":"step.started","stepId":"x","attempt":1}',
            hash,
            hash,
            hash,
          ],
        });
        namedBoundTimes.push(performance.now() - sn);
        await appendPairs(1, storeAppends);
      }
      commitCpu += (await serverCpu('', c)) - commit0;
      namedCpu += (await serverCpu('', cn)) - named0;
      appendCpu += (await serverCpu(urls.get('bound')!)) - append0;
      measured += n;
    },
    async close() {
      await c.end();
      await cn.end();
      await boundStore.close();
    },
  };
}
