/**
 * The PostgreSQL store's append, A/B between source trees in one process: each tree's `PostgresStore` (its own
 * code and migrations) on a fresh database of its own, the appends of a dispatch (a step's success and its
 * dependent's start, two events) alternating between the trees, the order rotated every round, so the
 * machine's load falls on every tree alike. Prints each tree's append p25/p50/p75, the process's CPU time
 * during its appends (the client's side: nothing else runs meanwhile), each tree's difference from the first
 * paired by round, and the load.
 *
 * A tree is a checkout with its node_modules, e.g. `git archive <commit> | tar -x -C /tmp/a` and
 * `cp -al node_modules /tmp/a/`. `TREES=/tmp/a,/tmp/b ROUNDS=3000 npx tsx bench/pg-append-ab.ts`
 */
import { performance } from 'node:perf_hooks';
import type { NewRunEvent } from '../src/core/run/run-event.js';
import { load1, pgDatabases, percentile } from './engine-support.js';

interface Store {
  createRun(runId: string, events: readonly NewRunEvent[]): Promise<unknown>;
  append(runId: string, expectedSeq: number, events: readonly NewRunEvent[]): Promise<{ ok: boolean }>;
  close(): Promise<void>;
}

const ROUNDS = Number(process.env.ROUNDS ?? 3000);
const WARMUP = 200;
const trees = (process.env.TREES ?? '').split(',').filter((t) => t !== '');
if (trees.length < 2) throw new Error('TREES: two or more source trees, comma-separated');
const databases = pgDatabases();
const event = (data: Record<string, unknown>, atMs: number): NewRunEvent =>
  ({ atMs, actor: 'executor', data }) as unknown as NewRunEvent;

const stores: Store[] = [];
try {
  for (const tree of trees) {
    const m = (await import(`${tree}/src/store/postgres/postgres-store.ts`)) as {
      PostgresStore: { open(url: string): Promise<Store> };
    };
    const store = await m.PostgresStore.open(await databases.create());
    stores.push(store);
    await store.createRun('r', [
      event({ type: 'run.started', planName: 'ab', planHash: 'h', mode: 'live', goLiveMs: 0, speed: 1 }, 0),
    ]);
  }
  const times: number[][] = trees.map(() => []);
  /** The process's CPU time (user + system, µs) during each tree's appends: the client's side of one. */
  const cpu: number[][] = trees.map(() => []);
  const loads: string[] = [load1()];
  let seq = 1;
  for (let i = 0; i < ROUNDS; i++) {
    const events = [
      event({ type: 'step.succeeded', stepId: `t${i}`, attempt: 1, summary: 'ok' }, 1000 + i),
      event({ type: 'step.started', stepId: `t${i + 1}`, attempt: 1 }, 1000 + i),
    ];
    for (let j = 0; j < trees.length; j++) {
      const k = (i + j) % trees.length;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const r = await stores[k]!.append('r', seq, events);
      const end = performance.now();
      const used = process.cpuUsage(cpu0);
      if (!r.ok) throw new Error(`${trees[k]}: append refused`);
      if (i >= WARMUP) {
        times[k]!.push(end - start);
        cpu[k]!.push(used.user + used.system);
      }
    }
    seq += 2;
    if (i === Math.floor(ROUNDS / 2)) loads.push(load1());
  }
  loads.push(load1());
  const us = (x: number[], p: number) => (percentile(x, p) * 1000).toFixed(1);
  trees.forEach((tree, k) => {
    const t = times[k]!;
    const c = cpu[k]!;
    const mean = c.reduce((a, b) => a + b, 0) / c.length;
    console.log(
      `${tree}: append p50 ${us(t, 50)} µs (p25 ${us(t, 25)}, p75 ${us(t, 75)}); client CPU ${mean.toFixed(0)} µs an append (mean), p50 ${percentile(c, 50).toFixed(0)}`,
    );
  });
  // Paired: each round's difference from the first tree (the machine's drift between rounds cancels out).
  for (let k = 1; k < trees.length; k++) {
    const d = times[k]!.map((t, i) => (t - times[0]![i]!) * 1000);
    const dc = cpu[k]!.map((c, i) => c - cpu[0]![i]!);
    console.log(
      `${trees[k]} − ${trees[0]}, paired by round: append p50 ${percentile(d, 50).toFixed(1)} µs (p25 ${percentile(d, 25).toFixed(1)}, p75 ${percentile(d, 75).toFixed(1)}); client CPU p50 ${percentile(dc, 50).toFixed(1)} µs`,
    );
  }
  console.log(`load average (1 min): ${loads.join(', ')}`);
} finally {
  for (const s of stores) await s.close();
  await databases.dropAll();
}
