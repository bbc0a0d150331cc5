import { openDialect } from '../src/data/open-dialect.js';
import { dataDiff } from '../src/data/data-diff.js';
import { wallClock } from '../src/data/wall-clock.js';
const s = await openDialect('postgres://postgres@127.0.0.1/tminus_bench_pg_a_1m', { connections: 2 });
const t = await openDialect('postgres://postgres@127.0.0.1/tminus_bench_pg_b_1m', { connections: 2 });
for (const name of ['residueChecksums', 'boundary', 'count'] as const) {
  for (const d of [s, t]) {
    const orig = (d as any)[name].bind(d);
    (d as any)[name] = async (...a: any[]) => {
      const st = Date.now();
      const r = await orig(...a);
      console.log(
        d === s ? 'S' : 'T',
        name,
        JSON.stringify(a[1] ?? '', (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
        a[2] ?? '',
        Date.now() - st,
        'ms',
      );
      return r;
    };
  }
}
const st = Date.now();
const r = await dataDiff({
  source: s,
  target: t,
  tables: ['big'],
  options: { nativeHash: process.argv[2] === 'native' },
  clock: wallClock,
});
console.log(Date.now() - st, r.tables[0]!.status, r.tables[0]!.stats);
process.exit(0);
