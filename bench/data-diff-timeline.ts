/**
 * One `tminus data diff` run PostgreSQL → PostgreSQL on fresh sessions, with the start and end of every dialect
 * call on each side (ms from the run's start): where a run's wall time goes.
 *
 *   npx tsx bench/data-diff-timeline.ts [--a db] [--b db] [--warm] [--pg postgres://postgres@127.0.0.1:5432]
 *
 * `--warm`: one unlogged run on the same sessions first (as bench/data-diff.ts measures, sessions reused).
 */
import { BackendCpu } from './pg-backend-cpu.js';
import { dataDiff } from '../src/data/data-diff.js';
import type { Dialect } from '../src/data/dialect.js';
import { openDialect } from '../src/data/open-dialect.js';
import { planTable } from '../src/data/plan-table.js';
import { SystemClock } from '../src/engine/system-clock.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432');
const A = `${PG}/${arg('a', 'diff5_tminus_bench_pg_a_1m')}`;
const B = `${PG}/${arg('b', 'diff5_tminus_bench_pg_b_1m')}`;
const t0 = process.hrtime.bigint();
const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
const log: string[] = [];
const backendCpu = new BackendCpu();
function wrap(d: Dialect, side: string): Dialect {
  return new Proxy(d, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const s = ms();
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (r instanceof Promise) {
          return r.then((x) => {
            const c = backendCpu.ms();
            log.push(
              `${s.toFixed(0).padStart(6)} ${ms().toFixed(0).padStart(6)} ${(ms() - s).toFixed(0).padStart(5)} ${side} ${String(prop)} cpu ${c}`,
            );
            return x;
          });
        }
        return r;
      };
    },
  });
}
const bounds = await Promise.all([openDialect(A), openDialect(B)]);
const [bs, bt] = bounds;
const [ds, dt] = await Promise.all([bs!.describeTable('big'), bt!.describeTable('big')]);
const plan = planTable(ds!, dt!, {}, { source: 'postgres', target: 'postgres' });
let bound = 0;
for (let i = 0; i < 2; i++) {
  const b0 = ms();
  await Promise.all([
    bs!.nativeChecksum!(plan.source, { lo: null, hi: null }),
    bt!.nativeChecksum!(plan.target, { lo: null, hi: null }),
  ]);
  bound = ms() - b0;
}
await Promise.all(bounds.map((d) => d.close()));
const [s, t] = await Promise.all([openDialect(A, { connections: 2 }), openDialect(B, { connections: 2 })]);
if (process.argv.includes('--warm')) {
  await dataDiff({ source: s, target: t, tables: ['big'], options: {}, clock: new SystemClock() });
}
backendCpu.ms();
const cpu0 = backendCpu.ms();
const start = ms();
const r = await dataDiff({
  source: wrap(s, 'S'),
  target: wrap(t, 'T'),
  tables: ['big'],
  options: {},
  clock: new SystemClock(),
});
const end = ms();
const cpu1 = backendCpu.ms();
await Promise.all([s.close(), t.close()]);
log.sort((x, y) => Number(x.slice(0, 6)) - Number(y.slice(0, 6)));
console.log(log.join('\n'));
console.log(
  `cpu ${cpu1 - cpu0} ms from ${cpu0}; bound ${bound.toFixed(0)} ms; ratio ${((end - start) / bound).toFixed(2)}; run ${(end - start).toFixed(0)} ms from ${start.toFixed(0)}; ${r.tables[0]!.status} ${JSON.stringify(r.tables[0]!.counts)}`,
);
