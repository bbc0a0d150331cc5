/**
 * Whole-table checksum shapes of `tminus data diff` PostgreSQL → PostgreSQL in fresh sessions (as every `tminus
 * data diff` run opens new ones): each shape runs on both sides at once, each side on a new connection, and the
 * shapes alternate round by round. Per shape: wall (both sides done), backend CPU (both sides) and the backends'
 * minor page faults (a new backend faults on its first touch of each shared buffer), medians, as ratios to the
 * plain `count + sum` of the bound.
 *
 *   npx tsx bench/data-diff-fresh-shapes.ts [--a diff5_tminus_bench_pg_a_1m] [--b …_b_1m] [--reps 5]
 *     [--shapes plain,keydiv,pages]
 *
 * Needs the table `big` of `bench/data-diff.ts`.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const A = arg('a', 'diff5_tminus_bench_pg_a_1m');
const B = arg('b', 'diff5_tminus_bench_pg_b_1m');
const REPS = Number(arg('reps', '5'));
const HASH =
  '(hash_record_extended(ROW(id, name, amount, score, created, flag, ref, note), 0) & 281474976710655)';
const url = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`;

async function info(db: string) {
  const c = new pg.Client({ connectionString: url(db) });
  await c.connect();
  const r = (
    await c.query(
      `SELECT min(id)::text AS lo, max(id)::text AS hi, count(*)::text AS n,
              (pg_relation_size('big') / 8192)::text AS pages FROM big`,
    )
  ).rows[0] as { lo: string; hi: string; n: string; pages: string };
  await c.end();
  return r;
}

const a = await info(A);
const rows = Number(a.n);
const pages = Number(a.pages);
const chunks = Math.round(3 * Math.sqrt(rows));
const origin = BigInt(a.lo);
const span = BigInt(a.hi) - origin + 1n;
const width = (span + BigInt(chunks) - 1n) / BigInt(chunks);
const per = Math.max(1, Math.round(pages / chunks));
const nChunks = Math.ceil(pages / per);
const from = Array.from({ length: nChunks }, (_, i) => `(${i * per},0)`);
const to = Array.from({ length: nChunks }, (_, i) =>
  i + 1 < nChunks ? `(${(i + 1) * per},0)` : '(4294967295,65535)',
);
const arr = (xs: string[]) => `'{${xs.map((x) => `"${x}"`).join(',')}}'`;

const SHAPES: Record<string, string> = {
  plain: `SELECT count(*)::text, coalesce(sum(${HASH}), 0)::text FROM big`,
  keydiv: `SELECT ((id - ${origin}) / ${width})::text g, count(*)::text, sum(${HASH})::text FROM big GROUP BY 1`,
  keydivint: `SELECT ((id - ${origin}) / ${width})::int4 g, count(*)::text, sum(${HASH})::text FROM big GROUP BY 1`,
  keydivraw: `SELECT (id - ${origin}) / ${width} g, count(*), sum(${HASH}) FROM big GROUP BY 1`,
  keydivsets: `SELECT (id - ${origin}) / ${width} g, count(*), sum(${HASH}) FROM big GROUP BY GROUPING SETS ((1), ())`,
  keyidx: `SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashagg = off; SELECT (id - ${origin}) / ${width} g, count(*), sum(${HASH}) FROM big GROUP BY 1`,
  keydiv8: `SELECT (id - ${origin}) / ${width} g, count(*), sum(h) FROM (SELECT id, ${HASH} AS h FROM big OFFSET 0) s GROUP BY 1`,
  pages:
    `SELECT tminus_c.g::text, s.c::text, s.h::text FROM unnest(${arr(from.map((_, i) => String(i)))}::bigint[], ` +
    `${arr(from)}::tid[], ${arr(to)}::tid[]) AS tminus_c(g, f, t), LATERAL (SELECT count(*) AS c, ` +
    `coalesce(sum(${HASH}), 0) AS h FROM (SELECT * FROM big WHERE ctid >= tminus_c.f AND ctid < tminus_c.t) big) s ` +
    `WHERE s.c > 0`,
};
const names = arg('shapes', 'plain,keydiv,pages').split(',');

function stat(pid: number) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { cpu: (Number(f[11]) + Number(f[12])) / 100, faults: Number(f[7]) };
}

async function side(db: string, sql: string) {
  const c = new pg.Client({ connectionString: url(db) });
  await c.connect();
  await c.query('SET jit = off; SET max_parallel_workers_per_gather = 0');
  const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p);
  const s0 = stat(pid);
  const t0 = process.hrtime.bigint();
  const r = await c.query(sql);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const s1 = stat(pid);
  await c.end();
  return { wall, cpu: s1.cpu - s0.cpu, faults: s1.faults - s0.faults, groups: r.rowCount ?? 0 };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
const got: Record<string, { wall: number[]; cpu: number[]; faults: number[]; groups: number }> = {};
const loads: number[] = [];
if (process.argv.includes('--explain')) {
  const c = new pg.Client({ connectionString: url(A) });
  await c.connect();
  await c.query('SET jit = off; SET max_parallel_workers_per_gather = 0');
  for (const n of names) {
    const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${SHAPES[n]}`);
    console.log(n, '\n', r.rows.map((x: Record<string, string>) => x['QUERY PLAN']).join('\n'));
  }
  await c.end();
}
for (let r = 0; r < REPS; r++) {
  const order = r % 2 === 0 ? names : [...names].reverse();
  for (const n of order) {
    const t0 = process.hrtime.bigint();
    const [x, y] = await Promise.all([side(A, SHAPES[n]!), side(B, SHAPES[n]!)]);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const g = (got[n] ??= { wall: [], cpu: [], faults: [], groups: x.groups });
    g.wall.push(Math.max(x.wall, y.wall));
    g.cpu.push(x.cpu + y.cpu);
    g.faults.push(x.faults + y.faults);
    void wall;
    loads.push(loadavg()[0]!);
  }
}
const base = got[names[0]!]!;
for (const n of names) {
  const g = got[n]!;
  console.log(
    JSON.stringify({
      shape: n,
      groups: g.groups,
      wall: +median(g.wall).toFixed(3),
      cpu: +median(g.cpu).toFixed(2),
      wallRatio: +(median(g.wall) / median(base.wall)).toFixed(3),
      cpuRatio: +(median(g.cpu) / median(base.cpu)).toFixed(3),
      faults: median(g.faults),
      walls: g.wall.map((w) => +(w / median(base.wall)).toFixed(2)),
    }),
  );
}
console.log(
  JSON.stringify({
    rows,
    chunks,
    width: String(width),
    per,
    load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
  }),
);
