/**
 * The fixed look-ups of a PostgreSQL → PostgreSQL comparison in fresh sessions, this code against another
 * checkout: the opening of both pools of two sessions (as `tminus data diff` opens them; not part of a
 * comparison's timing), `describeTable` on both sides at once, then key bounds, scan layouts and heap sizes on
 * both sides at once (as a comparison asks them), alternating, with the medians of their wall times and of the
 * two databases' backend CPU during the look-ups (`/proc/<pid>/schedstat`, ns).
 *
 *   npx tsx bench/data-diff-setup-ab.ts --before /tmp/before [--rounds 30] [--a db] [--b db]
 */
import { BackendCpu } from './pg-backend-cpu.js';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dialect } from '../src/data/dialect.js';
import { openDialect } from '../src/data/open-dialect.js';
import { planTable } from '../src/data/plan-table.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const PG = 'postgres://postgres@127.0.0.1:5432';
const A = `${PG}/${arg('a', 'diff6_tminus_bench_pg_a_1m')}`;
const B = `${PG}/${arg('b', 'diff6_tminus_bench_pg_b_1m')}`;
const ROUNDS = Number(arg('rounds', '30'));
const BEFORE = resolve(arg('before', ''));

const backendCpu = new BackendCpu();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

type Open = (url: string, options: { connections: number }) => Promise<Dialect>;
const before = (
  (await import(pathToFileURL(`${BEFORE}/src/data/open-dialect.ts`).href)) as { openDialect: Open }
).openDialect;
const out: Record<string, { open: number[]; describe: number[]; layout: number[]; cpu: number[] }> = {};
const loads: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  for (const which of i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
    const open = which === 'after' ? openDialect : before;
    const o0 = performance.now();
    const [s, t] = await Promise.all([open(A, { connections: 2 }), open(B, { connections: 2 })]);
    const opened = performance.now() - o0;
    const c0 = backendCpu.ms();
    const t0 = performance.now();
    const [ds, dt] = await Promise.all([s.describeTable('big'), t.describeTable('big')]);
    const t1 = performance.now();
    const plan = planTable(ds!, dt!, {}, { source: 'postgres', target: 'postgres' });
    // As a comparison asks them: key bounds, layouts and heap sizes at once (three statements, two sessions).
    await Promise.all([
      s.keyBounds(plan.source),
      t.keyBounds(plan.target),
      s.scanLayout(plan.source),
      t.scanLayout(plan.target),
      s.heapPages!(plan.source),
      t.heapPages!(plan.target),
    ]);
    const t2 = performance.now();
    const c1 = backendCpu.ms();
    await Promise.all([s.close(), t.close()]);
    const r = (out[which] ??= { open: [], describe: [], layout: [], cpu: [] });
    r.open.push(opened);
    r.describe.push(t1 - t0);
    r.layout.push(t2 - t1);
    r.cpu.push(c1 - c0);
    loads.push(loadavg()[0]!);
  }
}
for (const [which, r] of Object.entries(out)) {
  console.log(
    JSON.stringify({
      which,
      rounds: ROUNDS,
      openMs: +median(r.open).toFixed(1),
      describeMs: +median(r.describe).toFixed(1),
      layoutMs: +median(r.layout).toFixed(1),
      cpuMs: +median(r.cpu).toFixed(1),
    }),
  );
}
console.log(JSON.stringify({ load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` }));
