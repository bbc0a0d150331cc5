import pg from 'pg';
import { dataDiff } from '../../src/data/data-diff.js';
import type { Dialect } from '../../src/data/dialect.js';
import type { TableResult } from '../../src/data/diff-result.js';
import { openDialect } from '../../src/data/open-dialect.js';
import { ManualClock } from './manual-clock.js';

/** The differences of table `t` (`id`, `v`) between two PostgreSQL databases, computed by a full join. */
export async function fullJoinDiff(sourceUrl: string, targetUrl: string, where = 'true') {
  const read = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const rows = (await c.query(`SELECT id::text, v FROM t WHERE ${where}`)).rows as {
        id: string;
        v: string | null;
      }[];
      return new Map(rows.map((x) => [x.id, x.v]));
    } finally {
      await c.end();
    }
  };
  const [src, dst] = await Promise.all([read(sourceUrl), read(targetUrl)]);
  const num = (xs: string[]) => xs.map(Number).sort((a, b) => a - b);
  return {
    changed: num([...src.keys()].filter((k) => dst.has(k) && dst.get(k) !== src.get(k))),
    missingInTarget: num([...src.keys()].filter((k) => !dst.has(k))),
    missingInSource: num([...dst.keys()].filter((k) => !src.has(k))),
    rows: [src.size, dst.size],
  };
}

/**
 * `tminus data diff` of table `t` between two PostgreSQL databases, with how many times each dialect method
 * ran (`calls`, both sides together); the members named in `hidden` are not offered (the path they open is not
 * taken).
 */
export async function countedDiff(
  sourceUrl: string,
  targetUrl: string,
  where?: string,
  hidden: readonly string[] = [],
): Promise<{ r: TableResult; calls: Record<string, number> }> {
  const calls: Record<string, number> = {};
  const spy = (d: Dialect): Dialect =>
    new Proxy(d, {
      get(t, name, receiver) {
        if (hidden.includes(String(name))) return undefined;
        const v = Reflect.get(t, name, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls[String(name)] = (calls[String(name)] ?? 0) + 1;
          return (v as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  const [s, t] = await Promise.all([
    openDialect(sourceUrl, { connections: 2 }),
    openDialect(targetUrl, { connections: 2 }),
  ]);
  try {
    const report = await dataDiff({
      source: spy(s),
      target: spy(t),
      tables: ['t'],
      options: where ? { where } : {},
      clock: new ManualClock(7),
    });
    return { r: report.tables[0]!, calls };
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}
