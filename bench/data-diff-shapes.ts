/**
 * The checksum query shapes of `tminus data diff` on PostgreSQL, each against the plain bound, by the CPU time
 * of the backend that runs them (on a loaded machine wall time mostly measures the queue for a core).
 *
 *   npx tsx bench/data-diff-shapes.ts [--db tminus_bench_pg_a_1m] [--reps 5]
 *
 * Needs the table `big` of `bench/data-diff.ts` (run it once with `--pairs pg-pg`). Shapes, run interleaved:
 * bound — one `count + sum` of the native row hash over the whole table (sequential scan);
 * grouped — the same per key group of ~256 rows by `GROUP BY` (hash aggregate; heap page order);
 * key ranges — one plain `count + sum` per key group over an index range scan (`keyRangeSumsSql`);
 * index — the bound read through the key index (what the key ranges pay for reading in key order).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { groupChecksumSql } from '../src/data/query-shapes.js';
import { keyRangeSumsSql } from '../src/data/postgres/key-range-sums.js';
import { POSTGRES_FLAVOUR } from '../src/data/postgres/postgres-render.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const DB = arg('db', 'tminus_bench_pg_a_1m');
const REPS = Number(arg('reps', '5'));
const HASH =
  '(hash_record_extended(ROW(id, name, amount, score, created, flag, ref, note), 0) & 281474976710655)';

const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${DB}` });
await c.connect();
await c.query('SET jit = off; SET max_parallel_workers_per_gather = 0');
const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p);
const b = (await c.query('SELECT min(id)::text AS lo, max(id)::text AS hi, count(*)::text AS n FROM big'))
  .rows[0] as { lo: string; hi: string; n: string };
const origin = BigInt(b.lo);
const width = (((BigInt(b.hi) - origin + 1n) * 256n) / BigInt(b.n) / 64n + 1n) * 64n;
const q = { table: 'big', specs: [], key: ['id'] };
const all = { lo: null, hi: null };
const shapes: Record<string, { sql: string; values: unknown[]; set?: string }> = {
  bound: { sql: `SELECT count(*)::text, coalesce(sum(${HASH}), 0)::text FROM big`, values: [] },
  grouped: groupChecksumSql(POSTGRES_FLAVOUR, q, all, origin, width, HASH),
  'key ranges': keyRangeSumsSql(q, all, origin, width, HASH),
  index: {
    sql: `SELECT count(*)::text, coalesce(sum(${HASH}), 0)::text FROM big WHERE id >= $1`,
    values: [b.lo],
    set: 'SET enable_seqscan = off; SET enable_bitmapscan = off',
  },
};

/** CPU seconds of the backend so far (user + system, from /proc). */
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const spent: Record<string, number[]> = {};
const loads: number[] = [];
for (let r = 0; r < REPS; r++) {
  for (const [name, s] of Object.entries(shapes)) {
    if (s.set) await c.query(s.set);
    const before = cpu();
    await c.query(s.sql, s.values);
    (spent[name] ??= []).push(cpu() - before);
    await c.query('RESET enable_seqscan; RESET enable_bitmapscan');
  }
  loads.push(loadavg()[0]!);
}
await c.end();
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
const bound = median(spent.bound!);
console.log(
  `rows=${b.n} width=${width} reps=${REPS} load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
);
for (const [name, xs] of Object.entries(spent)) {
  console.log(
    `${name.padEnd(10)} cpu ${median(xs).toFixed(2)} s  × bound ${(median(xs) / bound).toFixed(2)}`,
  );
}
