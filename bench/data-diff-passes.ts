/**
 * The three ways to read two PostgreSQL bench tables whole, both sides at once, each with its wall time and the
 * two backends' CPU, system time (ms) and minor page faults (`BackendCpu`: the server must run on this host):
 * what the page pass and a grouped scan cost against the bound, apart from the rest of a comparison
 * (docs/benchmarks.md, "Issue #11: the page pass on huge pages").
 *
 *   npx tsx bench/data-diff-passes.ts [--pg postgres://postgres@127.0.0.1:5432] [--rows 1000000]
 *     [--passes bound,page,grouped] [--reps 3] [--reuse]
 *
 * - `bound`: one plain `count + sum` of the native row hash (a sequential scan through a small buffer ring), as
 *   bench/data-diff.ts measures it;
 * - `page`: the page pass's statement (`heapChunkSumsSql`: a TID range scan per chunk of pages, no ring) over
 *   the chunks a comparison of that many rows uses (`comparisonChunks`);
 * - `grouped`: one sequential scan summed by key group in a hash aggregate, as many groups as chunks.
 *
 * Each repetition runs the passes in the order given on new sessions, or with `--reuse` on the same two
 * sessions throughout (as bench/data-diff.ts does). The databases are bench/data-diff.ts's (run it first).
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { BackendCpu } from './pg-backend-cpu.js';
import { comparisonChunks } from '../src/data/page-chunks.js';
import type { DiffContext } from '../src/data/diff-context.js';
import { heapChunkSumsSql } from '../src/data/postgres/heap-chunk-sums.js';
import type { TableQuery } from '../src/data/dialect.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432');
const ROWS = Number(arg('rows', '1000000'));
const PASSES = arg('passes', 'bound,page,grouped').split(',');
const REPS = Number(arg('reps', '3'));
const REUSE = process.argv.includes('--reuse');
const suffix = `${ROWS >= 1e6 ? `${ROWS / 1e6}m` : ROWS}`.replace('.', '_');
const DBS = [`tminus_bench_pg_a_${suffix}`, `tminus_bench_pg_b_${suffix}`];
const HASH =
  '(hash_record_extended(ROW(id, name, amount, score, created, flag, ref, note), 0) & 281474976710655)';

const backends = new BackendCpu();

async function open(db: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `${PG}/${db}` });
  await client.connect();
  await client.query('SET jit = off'); // as tminus runs
  await client.query('SET max_parallel_workers_per_gather = 0');
  return client;
}

/** The bench backends' CPU ms, system ms and minor faults so far. */
function usage(): { cpu: number; sys: number; faults: number } {
  const cpu = backends.ms();
  const { sysMs, faults } = backends.kernel();
  return { cpu, sys: sysMs, faults };
}

async function statements(s: pg.Client): Promise<Record<string, { text: string; values?: unknown[] }>> {
  const r = await s.query(
    `SELECT (pg_relation_size('big') / current_setting('block_size')::bigint)::int AS pages,
            min(id)::text AS lo, max(id)::text AS hi FROM big`,
  );
  const { pages, lo, hi } = r.rows[0] as { pages: number; lo: string; hi: string };
  const chunks = comparisonChunks({ totalRows: ROWS } as DiffContext, pages);
  const page = heapChunkSumsSql({ table: 'big', key: ['id'] } as unknown as TableQuery, chunks, HASH);
  const width = (BigInt(hi) - BigInt(lo) + BigInt(chunks.length)) / BigInt(chunks.length);
  return {
    bound: { text: `SELECT count(*)::text, coalesce(sum(${HASH}), 0)::text FROM big` },
    page: { text: page.sql, values: page.values },
    grouped: {
      text: `SELECT (id - ${lo}) / ${width} AS g, count(*)::text, coalesce(sum(${HASH}), 0)::text FROM big GROUP BY 1`,
    },
  };
}

async function main(): Promise<void> {
  const shared = REUSE ? await Promise.all(DBS.map(open)) : null;
  const first = shared?.[0] ?? (await open(DBS[0]!));
  const sql = await statements(first);
  if (!shared) await first.end();
  console.log(`${PG} rows=${ROWS} ${REUSE ? 'sessions reused' : 'new sessions'}`);
  const lines: Record<string, string[]> = {};
  for (let r = 0; r < REPS; r++) {
    for (const p of PASSES) {
      const q = sql[p];
      if (!q) throw new Error(`unknown pass ${JSON.stringify(p)}: bound, page or grouped`);
      const sessions = shared ?? (await Promise.all(DBS.map(open)));
      const before = usage();
      const t = process.hrtime.bigint();
      await Promise.all(sessions.map((s) => s.query(q.text, q.values)));
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const after = usage();
      (lines[p] ??= []).push(
        `${ms.toFixed(0)} ms (cpu ${(after.cpu - before.cpu).toFixed(0)}, sys ${after.sys - before.sys}, ` +
          `faults ${after.faults - before.faults})`,
      );
      if (!shared) await Promise.all(sessions.map((s) => s.end()));
    }
  }
  for (const [p, l] of Object.entries(lines)) console.log(`${p.padEnd(8)} ${l.join(' | ')}`);
  console.log(`load ${loadavg()[0]!.toFixed(1)}`);
  if (shared) await Promise.all(shared.map((s) => s.end()));
}

await main();
