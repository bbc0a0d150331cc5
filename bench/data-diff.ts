/**
 * Benchmark of `tminus data diff` against the lower bound measured in the same run: one hash-aggregate scan of
 * each side with the same canonical expression, both sides at once (SPEC §5, research E).
 *
 *   npx tsx bench/data-diff.ts [--rows 1000000] [--reps 3] [--reuse] [--pairs pg-pg,my-my,my-pg]
 *     [--hashes native,canonical]   (PostgreSQL → PostgreSQL: which row hashes to measure)
 *     [--pg postgres://postgres@127.0.0.1:5432]   (the PostgreSQL server, its databases made there)
 *
 * Data: deterministic 8-column tables (test/support/data-tables.ts) generated inside PostgreSQL and MariaDB.
 * Prints a table and a JSON line per measurement. Runs outside the test suite.
 */
import { BackendCpu } from './pg-backend-cpu.js';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import mysql from 'mysql2/promise';
import {
  mariadbExec,
  mariadbTableSql,
  pgExec,
  postgresTableSql,
  keyOf,
} from '../test/support/data-tables.js';
import { dataDiff } from '../src/data/data-diff.js';
import type { Dialect } from '../src/data/dialect.js';
import { openDialect } from '../src/data/open-dialect.js';
import { planTable } from '../src/data/plan-table.js';
import { SystemClock } from '../src/engine/system-clock.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const ROWS = Number(arg('rows', '1000000'));
const REPS = Number(arg('reps', '3'));
const REUSE = process.argv.includes('--reuse');
const PAIRS = arg('pairs', 'pg-pg,my-my,my-pg').split(',');
const HASHES = arg('hashes', 'native,canonical').split(',');
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432');
const MY = 'mysql://root@127.0.0.1:3306';
const suffix = `${ROWS >= 1e6 ? `${ROWS / 1e6}m` : ROWS}`.replace('.', '_');
const db = {
  pgA: `tminus_bench_pg_a_${suffix}`,
  pgB: `tminus_bench_pg_b_${suffix}`,
  myA: `tminus_bench_my_a_${suffix}`,
  myB: `tminus_bench_my_b_${suffix}`,
};
const url = {
  pgA: `${PG}/${db.pgA}`,
  pgB: `${PG}/${db.pgB}`,
  myA: `${MY}/${db.myA}`,
  myB: `${MY}/${db.myB}`,
};

async function pgCount(name: string): Promise<number> {
  const c = new pg.Client({ connectionString: `${PG}/${name}` });
  try {
    await c.connect();
    return Number((await c.query('SELECT count(*) AS n FROM big')).rows[0].n);
  } catch {
    return -1;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function myCount(name: string): Promise<number> {
  try {
    const c = await mysql.createConnection(`${MY}/${name}`);
    try {
      const [rows] = await c.query('SELECT count(*) AS n FROM big');
      return Number((rows as { n: number }[])[0]?.n);
    } finally {
      await c.end();
    }
  } catch {
    return -1;
  }
}

const CHUNK = 1_000_000;
/** Only the databases the chosen pairs use. */
const needed = new Set(
  PAIRS.flatMap(
    (p) => ({ 'pg-pg': [db.pgA, db.pgB], 'my-my': [db.myA, db.myB], 'my-pg': [db.myA, db.pgB] })[p] ?? [],
  ),
);

async function load(): Promise<void> {
  for (const name of [db.pgA, db.pgB].filter((n) => needed.has(n))) {
    if (REUSE && (await pgCount(name)) === ROWS) continue;
    await pgExec(`${PG}/postgres`, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    const t = Date.now();
    for (let from = 1; from <= ROWS; from += CHUNK) {
      const sql = postgresTableSql('big', Math.min(CHUNK, ROWS - from + 1), from);
      await pgExec(`${PG}/${name}`, from === 1 ? sql : sql.slice(1));
    }
    await pgExec(`${PG}/${name}`, ['VACUUM ANALYZE big']);
    console.error(`loaded ${name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  // One backend per query on both sides, for the bound and for tminus alike (research E.4: parallel off).
  for (const name of [db.pgA, db.pgB].filter((n) => needed.has(n))) {
    await pgExec(`${PG}/postgres`, [`ALTER DATABASE ${name} SET max_parallel_workers_per_gather = 0`]);
  }
  for (const name of [db.myA, db.myB].filter((n) => needed.has(n))) {
    if (REUSE && (await myCount(name)) === ROWS) continue;
    await mariadbExec(`${MY}/`, [
      `DROP DATABASE IF EXISTS ${name}`,
      `CREATE DATABASE ${name} CHARACTER SET utf8mb4`,
    ]);
    const t = Date.now();
    for (let from = 1; from <= ROWS; from += CHUNK) {
      const sql = mariadbTableSql('big', Math.min(CHUNK, ROWS - from + 1), from);
      await mariadbExec(`${MY}/${name}`, from === 1 ? sql : sql.slice(1));
    }
    await mariadbExec(`${MY}/${name}`, ['ANALYZE TABLE big']);
    console.error(`loaded ${name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

const backendCpu = new BackendCpu();

/** Wall seconds, and PostgreSQL backend CPU seconds, system ms and minor faults (see `BackendCpu`). */
let lastCpu = 0;
let lastKernel = { sysMs: 0, faults: 0 };
async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const c = backendCpu.seconds();
  const k = backendCpu.kernel();
  const t = process.hrtime.bigint();
  const v = await f();
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  lastCpu = backendCpu.seconds() - c;
  const k1 = backendCpu.kernel();
  lastKernel = { sysMs: k1.sysMs - k.sysMs, faults: k1.faults - k.faults };
  return [sec, v];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The lower bound: one full-table checksum query on each side, both at once. */
async function bound(s: Dialect, t: Dialect, native: boolean): Promise<number> {
  const [a, b] = await Promise.all([s.describeTable('big'), t.describeTable('big')]);
  const plan = planTable(a!, b!, {}, { source: s.engine, target: t.engine });
  const all = { lo: null, hi: null };
  const sum = (d: Dialect, q: typeof plan.source) =>
    native && d.nativeChecksum ? d.nativeChecksum(q, all) : d.checksum(q, all);
  const [sec] = await timed(() => Promise.all([sum(s, plan.source), sum(t, plan.target)]));
  return sec;
}

async function tool(
  s: Dialect,
  t: Dialect,
  nativeHash: boolean,
): Promise<{
  sec: number;
  cpu: number;
  kernel: { sysMs: number; faults: number };
  status: string;
  diffs: number;
  error?: string;
}> {
  const [sec, report] = await timed(() =>
    dataDiff({ source: s, target: t, tables: ['big'], options: { nativeHash }, clock: new SystemClock() }),
  );
  const r = report.tables[0]!;
  return {
    sec,
    cpu: lastCpu,
    kernel: lastKernel,
    status: r.status,
    diffs: r.counts.changed + r.counts.missingInSource + r.counts.missingInTarget,
    ...(r.error ? { error: `${r.error.code}: ${r.error.message}` } : {}),
  };
}

const hundred = Array.from({ length: 100 }, (_, k) => keyOf(Math.floor((k * ROWS) / 100) + 7));

async function scatter(target: string, on: boolean): Promise<void> {
  const isPg = target.startsWith('postgres');
  if (on) {
    const sql = `UPDATE big SET name = ${isPg ? "name || 'x'" : "CONCAT(name, 'x')"} WHERE id IN (${hundred.join(',')})`;
    return isPg ? pgExec(target, [sql]) : mariadbExec(target, [sql]);
  }
  // Undo whatever a previous (possibly interrupted) run changed: generated names never end in x.
  if (isPg) await pgExec(target, [`UPDATE big SET name = rtrim(name, 'x') WHERE name LIKE '%x'`]);
  else await mariadbExec(target, [`UPDATE big SET name = TRIM(TRAILING 'x' FROM name) WHERE name LIKE '%x'`]);
}

async function main(): Promise<void> {
  const versions = {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    ramGb: Math.round(totalmem() / 2 ** 30),
  };
  console.error(`rows=${ROWS} reps=${REPS}`, versions);
  await load();
  const pairs: Record<string, [string, string]> = {
    'pg-pg': [url.pgA, url.pgB],
    'my-my': [url.myA, url.myB],
    'my-pg': [url.myA, url.pgB],
  };
  const results: Record<string, unknown>[] = [];
  await Promise.all(
    [url.pgB, url.myB].filter((u) => needed.has(u.split('/').pop()!)).map((u) => scatter(u, false)),
  );
  for (const name of PAIRS) {
    const [su, tu] = pairs[name]!;
    const s = await openDialect(su, { connections: 2 });
    const t = await openDialect(tu, { connections: 2 });
    console.error(`${name}: ${s.label} (${s.version}) -> ${t.label} (${t.version})`);
    await bound(s, t, false); // warm caches
    const modes = name === 'pg-pg' ? HASHES.map((h) => h === 'native') : [false];
    for (const native of modes) {
      const b: number[] = [];
      const same: number[] = [];
      const diff: number[] = [];
      const cpu = { bound: [] as number[], same: [] as number[], diff: [] as number[] };
      const sys = { bound: [] as number[], same: [] as number[], diff: [] as number[] };
      const faults = { same: [] as number[], diff: [] as number[] };
      const loads: number[] = [];
      for (let i = 0; i < REPS; i++) {
        b.push(await bound(s, t, native));
        cpu.bound.push(lastCpu);
        sys.bound.push(lastKernel.sysMs);
        const r = await tool(s, t, native);
        sys.same.push(r.kernel.sysMs);
        faults.same.push(r.kernel.faults);
        if (r.status !== 'identical') {
          throw new Error(`${name}: expected identical, got ${r.status} ${r.error ?? ''}`);
        }
        same.push(r.sec);
        cpu.same.push(r.cpu);
        loads.push(loadavg()[0]!);
      }
      await scatter(tu, true);
      for (let i = 0; i < REPS; i++) {
        // The bound again, interleaved: the load moves between the identical and the differing runs.
        b.push(await bound(s, t, native));
        cpu.bound.push(lastCpu);
        sys.bound.push(lastKernel.sysMs);
        const r = await tool(s, t, native);
        sys.diff.push(r.kernel.sysMs);
        faults.diff.push(r.kernel.faults);
        if (r.diffs !== 100) {
          throw new Error(`${name}: expected 100 differences, got ${r.diffs} ${r.error ?? ''}`);
        }
        diff.push(r.sec);
        cpu.diff.push(r.cpu);
        loads.push(loadavg()[0]!);
      }
      await scatter(tu, false);
      const row = {
        pair: name,
        hash: native ? 'native' : 'canonical',
        rows: ROWS,
        boundSec: +median(b).toFixed(2),
        identicalSec: +median(same).toFixed(2),
        identicalRatio: +(median(same) / median(b)).toFixed(3),
        diff100Sec: +median(diff).toFixed(2),
        diff100Ratio: +(median(diff) / median(b)).toFixed(3),
        boundRowsPerSec: Math.round(ROWS / median(b)),
        // PostgreSQL pairs: the backends' CPU seconds, tool / bound (MariaDB runs in one process: not split).
        ...(name === 'my-my'
          ? {}
          : {
              boundCpuSec: +median(cpu.bound).toFixed(2),
              identicalCpuRatio: +(median(cpu.same) / median(cpu.bound)).toFixed(3),
              diff100CpuRatio: +(median(cpu.diff) / median(cpu.bound)).toFixed(3),
              // Of that CPU, the kernel's share (ms) and the backends' minor page faults: see BackendCpu.kernel.
              sysMs: { bound: median(sys.bound), identical: median(sys.same), diff100: median(sys.diff) },
              faults: { identical: median(faults.same), diff100: median(faults.diff) },
            }),
        load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      };
      results.push(row);
      console.log(JSON.stringify(row));
    }
    await Promise.all([s.close(), t.close()]);
  }
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ peakRssMb: rssMb, ...versions }));
  console.table(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
