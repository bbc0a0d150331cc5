/**
 * A/B of `tminus data diff` PostgreSQL → PostgreSQL (native hashes) in one process: this checkout's code ("after")
 * against another checkout's ("before", e.g. `git archive <ref> | tar -x -C /tmp/before` with `node_modules`
 * linked), alternating in every repetition, each run preceded by the bound (one plain `count + sum` per side,
 * both at once) measured again. On a shared machine the load moves by the minute; alternating in one process
 * puts before and after under the same load. Uses the databases of `bench/data-diff.ts --rows N` (run it once
 * to create them).
 *
 *   npx tsx bench/data-diff-ab.ts --before /tmp/before [--rows 1000000] [--reps 4] [--diffs 100] [--prefix p_]
 *
 * `--fresh`: every comparison on new sessions (opened just before it, closed after; the opening not timed), as
 * each `tminus data diff` run has — a new backend faults on its first touch of each shared buffer, which costs a
 * pass that reads through shared buffers (TID range and index scans) more than one already used. Without it the
 * sessions of each side are opened once and kept (warm after the first repetition).
 *
 * The bound is measured twice before every comparison: on the sessions kept open (`bound`, warm: as before) and,
 * with `--fresh`, on new sessions too (`freshBound`, opened just before it and closed after, the opening not
 * timed): a `tminus data diff` run cannot use a session that has already touched the table's shared buffers, and
 * the minimum a run needs is one plain `count + sum` per side on a new session. On a machine where a new
 * backend's first touch of a shared buffer is dear (a virtual machine with shadow paging: 2026-12-01, a plain
 * scan 1.3–1.4× its warm CPU in a new session when the heap is resident in shared buffers), only the fresh bound
 * is a bound the tool can reach; both ratios are printed.
 *
 * `--diffs N`: the scattered differences of the second phase (100 by default). `--prefix p_`: the databases
 * `p_tminus_bench_pg_{a,b}_<rows>` instead, e.g. copies made with `CREATE DATABASE … TEMPLATE`, so runs that move
 * rows (each phase updates rows and writes them back) leave the shared bench databases as they are.
 *
 * Prints one JSON line per phase (identical, 100 scattered differences) and side of the A/B: medians of the wall
 * and PostgreSQL backend CPU ratios (tool / bound), and every run's ratios.
 */
import { BackendCpu } from './pg-backend-cpu.js';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { keyOf, pgExec } from '../test/support/data-tables.js';
import { dataDiff } from '../src/data/data-diff.js';
import type { DataDiffRequest } from '../src/data/data-diff.js';
import type { Dialect } from '../src/data/dialect.js';
import type { DiffReport } from '../src/data/diff-result.js';
import { openDialect } from '../src/data/open-dialect.js';
import { planTable } from '../src/data/plan-table.js';
import { SystemClock } from '../src/engine/system-clock.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const ROWS = Number(arg('rows', '1000000'));
const DIFFS = Number(arg('diffs', '100'));
const PREFIX = arg('prefix', '');
const REPS = Number(arg('reps', '4'));
const BEFORE = resolve(arg('before', ''));
const FRESH = process.argv.includes('--fresh');
const suffix = `${ROWS >= 1e6 ? `${ROWS / 1e6}m` : ROWS}`.replace('.', '_');
const PG = 'postgres://postgres@127.0.0.1:5432';
const A = `${PG}/${PREFIX}tminus_bench_pg_a_${suffix}`;
const B = `${PG}/${PREFIX}tminus_bench_pg_b_${suffix}`;

const backendCpu = new BackendCpu();

async function timed<T>(f: () => Promise<T>): Promise<{ wall: number; cpu: number; value: T }> {
  const c = backendCpu.seconds();
  const t = process.hrtime.bigint();
  const value = await f();
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: backendCpu.seconds() - c, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

type Diff = (req: DataDiffRequest) => Promise<DiffReport>;
type Open = (url: string, options: { connections: number }) => Promise<Dialect>;

async function main(): Promise<void> {
  if (!process.argv.includes('--before')) throw new Error('--before <checkout of the code to compare with>');
  const from = (file: string) => pathToFileURL(`${BEFORE}/src/data/${file}`).href;
  // One backend per query, as in bench/data-diff.ts: a `CREATE DATABASE … TEMPLATE` copy (`--prefix`) does not
  // keep the per-database setting, and parallel workers' CPU is not counted (the ratios would be meaningless).
  for (const url of [A, B]) {
    const name = url.slice(url.lastIndexOf('/') + 1);
    await pgExec(`${PG}/postgres`, [`ALTER DATABASE ${name} SET max_parallel_workers_per_gather = 0`]);
  }
  const before = {
    diff: ((await import(from('data-diff.ts'))) as { dataDiff: Diff }).dataDiff,
    open: ((await import(from('open-dialect.ts'))) as { openDialect: Open }).openDialect,
  };
  const sides = {
    after: await Promise.all([openDialect(A, { connections: 2 }), openDialect(B, { connections: 2 })]),
    before: await Promise.all([before.open(A, { connections: 2 }), before.open(B, { connections: 2 })]),
  };
  const [s, t] = sides.after;
  const [ds, dt] = await Promise.all([s.describeTable('big'), t.describeTable('big')]);
  const plan = planTable(ds!, dt!, {}, { source: 'postgres', target: 'postgres' });
  const all = { lo: null, hi: null };
  const hundred = Array.from({ length: DIFFS }, (_, k) => keyOf(Math.floor((k * ROWS) / DIFFS) + 7));
  const runs: Record<string, { wall: number[]; cpu: number[] }> = {};
  const record = (key: string, x: { wall: number; cpu: number }) => {
    const r = (runs[key] ??= { wall: [], cpu: [] });
    r.wall.push(x.wall);
    r.cpu.push(x.cpu);
  };
  const loads: number[] = [];
  await pgExec(B, [`UPDATE big SET name = rtrim(name, 'x') WHERE name LIKE '%x'`]);
  for (const phase of ['identical', 'diff100'] as const) {
    if (phase === 'diff100') {
      await pgExec(B, [`UPDATE big SET name = name || 'x' WHERE id IN (${hundred.join(',')})`]);
    }
    for (let i = 0; i < REPS; i++) {
      for (const which of i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
        const bound = await timed(() =>
          Promise.all([s.nativeChecksum!(plan.source, all), t.nativeChecksum!(plan.target, all)]),
        );
        record(`${phase} bound`, bound);
        if (FRESH) {
          const fresh = await Promise.all([
            openDialect(A, { connections: 1 }),
            openDialect(B, { connections: 1 }),
          ]);
          const fb = await timed(() =>
            Promise.all([
              fresh[0].nativeChecksum!(plan.source, all),
              fresh[1].nativeChecksum!(plan.target, all),
            ]),
          );
          await Promise.all(fresh.map((d) => d.close()));
          record(`${phase} freshBound`, fb);
        }
        const open = which === 'after' ? openDialect : before.open;
        const [source, target] = FRESH
          ? await Promise.all([open(A, { connections: 2 }), open(B, { connections: 2 })])
          : sides[which];
        const run = which === 'after' ? dataDiff : before.diff;
        const x = await timed(() =>
          run({ source, target, tables: ['big'], options: {}, clock: new SystemClock() }),
        );
        if (FRESH) await Promise.all([source.close(), target.close()]);
        const r = x.value.tables[0]!;
        const ok = phase === 'identical' ? r.status === 'identical' : r.counts.changed === DIFFS;
        if (!ok) {
          throw new Error(`${which} ${phase}: ${r.status} ${JSON.stringify(r.counts)} ${r.error?.message}`);
        }
        record(`${phase} ${which}`, x);
        loads.push(loadavg()[0]!);
      }
    }
  }
  await pgExec(B, [`UPDATE big SET name = rtrim(name, 'x') WHERE name LIKE '%x'`]);
  for (const phase of ['identical', 'diff100']) {
    const b = runs[`${phase} bound`]!;
    const fb = runs[`${phase} freshBound`];
    for (const which of ['before', 'after']) {
      const x = runs[`${phase} ${which}`]!;
      console.log(
        JSON.stringify({
          rows: ROWS,
          fresh: FRESH,
          phase,
          diffs: phase === 'identical' ? 0 : DIFFS,
          which,
          reps: x.wall.length,
          boundWall: +median(b.wall).toFixed(2),
          boundCpu: +median(b.cpu).toFixed(2),
          wallRatio: +(median(x.wall) / median(b.wall)).toFixed(3),
          cpuRatio: +(median(x.cpu) / median(b.cpu)).toFixed(3),
          wallRatios: x.wall.map((w) => +(w / median(b.wall)).toFixed(2)),
          cpuRatios: x.cpu.map((c) => +(c / median(b.cpu)).toFixed(2)),
          ...(fb
            ? {
                freshBoundWall: +median(fb.wall).toFixed(2),
                freshBoundCpu: +median(fb.cpu).toFixed(2),
                freshWallRatio: +(median(x.wall) / median(fb.wall)).toFixed(3),
                freshCpuRatio: +(median(x.cpu) / median(fb.cpu)).toFixed(3),
              }
            : {}),
        }),
      );
    }
  }
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(
    JSON.stringify({
      load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      peakRssMb: rssMb,
    }),
  );
  await Promise.all([...sides.after, ...sides.before].map((d) => d.close()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
