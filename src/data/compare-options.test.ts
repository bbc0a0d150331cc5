import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../test/support/databases.js';
import { mariadbExec, pgExec } from '../../test/support/data-tables.js';
import type { Clock } from '../core/clock.js';
import type { CompareOptions } from './compare-options.js';
import { dataDiff } from './data-diff.js';
import type { TableResult } from './diff-result.js';
import { openDialect } from './open-dialect.js';
import { SystemClock } from '../engine/system-clock.js';

let a: TestDatabase;
let b: TestDatabase;
let my: TestDatabase;

beforeAll(async () => {
  [a, b, my] = await Promise.all([
    createPostgresDatabase('tminus_opt'),
    createPostgresDatabase('tminus_opt'),
    createMariadbDatabase('tminus_opt'),
  ]);
  const ddl = `CREATE TABLE m (id int PRIMARY KEY, code varchar(10) NOT NULL, f double precision, ts timestamp(6), note text)`;
  const rows = (f: string, ts: string, note: string) =>
    `INSERT INTO m SELECT g, 'c' || g, 0.5, timestamp '2024-01-01 00:00:00', 'n' FROM generate_series(1, 200) g;
     UPDATE m SET f = ${f}, ts = '${ts}', note = '${note}' WHERE id = 150`;
  await Promise.all([
    pgExec(a.url, [ddl, ...rows('0.1234567', '2024-05-05 10:00:00.123456', 'source').split(';')]),
    pgExec(b.url, [ddl, ...rows('0.1234568', '2024-05-05 10:00:00.123999', 'target').split(';')]),
    mariadbExec(my.url, [
      `CREATE TABLE local_times (id int PRIMARY KEY, at datetime(0))`,
      `INSERT INTO local_times VALUES (1, '2024-01-01 10:00:00'), (2, '2024-07-01 10:00:00')`,
    ]),
  ]);
  // Loaded into PostgreSQL by a session in Europe/Paris: the wall-clock times became instants in that zone.
  await pgExec(a.url, [
    `CREATE TABLE local_times (id int PRIMARY KEY, at timestamptz(0))`,
    `SET TIME ZONE 'Europe/Paris'`,
    `INSERT INTO local_times VALUES (1, '2024-01-01 10:00:00'), (2, '2024-07-01 10:00:00')`,
  ]);
});

afterAll(async () => {
  await Promise.all([a?.drop(), b?.drop(), my?.drop()]);
});

async function compare(
  table: string,
  options: CompareOptions,
  clock: Clock = new SystemClock(),
  source = a.url,
  target = b.url,
): Promise<TableResult> {
  const [s, t] = await Promise.all([openDialect(source), openDialect(target)]);
  try {
    return (await dataDiff({ source: s, target: t, tables: [table], options, clock })).tables[0]!;
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

const changedColumns = (r: TableResult) => r.changed.flatMap((c) => c.columns);

describe('comparison options', () => {
  it('tolerates float differences below the requested decimal places', async () => {
    expect(changedColumns(await compare('m', { columns: ['f'] }))).toEqual(['f']);
    expect((await compare('m', { columns: ['f'], floatDecimals: 6 })).status).toBe('identical');
  });

  it('compares timestamps to the requested precision', async () => {
    expect(changedColumns(await compare('m', { columns: ['ts'] }))).toEqual(['ts']);
    const r = await compare('m', { columns: ['ts'], timestampDigits: 3 });
    expect(r.status).toBe('identical');
    expect(r.notes.some((n) => n.message.includes('compared to 3 fractional digits'))).toBe(false);
  });

  it('leaves out excluded columns and keeps only included ones', async () => {
    expect(changedColumns(await compare('m', {}))).toEqual(['f', 'ts', 'note']);
    expect(changedColumns(await compare('m', { exclude: ['f', 'ts'] }))).toEqual(['note']);
    expect((await compare('m', { exclude: ['f', 'ts', 'note'] })).status).toBe('identical');
  });

  it('filters rows on both sides with where', async () => {
    expect((await compare('m', { where: 'id < 150' })).status).toBe('identical');
    const r = await compare('m', { where: 'id >= 150' });
    expect([r.sourceRows, r.changed.map((c) => c.key)]).toEqual([51, [150]]);
  });

  it('uses a per-table key override, matching rows by that key in key-hash buckets', async () => {
    const r = await compare('m', { keys: { m: ['code'] }, columns: ['note'] });
    expect(r.mode).toBe('buckets');
    expect(r.changed.map((c) => c.key)).toEqual(['c150']);
  });

  it('reads zone-less MariaDB times in the zone they were loaded in', async () => {
    const utc = await compare('local_times', {}, new SystemClock(), my.url, a.url);
    expect(utc.counts.changed).toBe(2);
    expect(utc.notes.some((n) => n.message.includes('zone-less side taken as UTC'))).toBe(true);
    const paris = await compare(
      'local_times',
      { loadTimeZone: 'Europe/Paris' },
      new SystemClock(),
      my.url,
      a.url,
    );
    expect(paris.status).toBe('identical');
  });

  it('re-checks a live source after the lag and reports only differences that persist', async () => {
    await pgExec(b.url, [
      `CREATE TABLE live (id int PRIMARY KEY, v text)`,
      `INSERT INTO live SELECT g, 'v' FROM generate_series(1, 98) g`,
    ]);
    await pgExec(a.url, [
      `CREATE TABLE live (id int PRIMARY KEY, v text)`,
      `INSERT INTO live SELECT g, 'v' FROM generate_series(1, 100) g`,
    ]);
    const slept: number[] = [];
    // The clock's sleep is where replication catches up: row 99 arrives during the lag, row 100 never does.
    const clock: Clock = {
      now: () => Date.now(),
      sleep: async (ms) => {
        slept.push(ms);
        await pgExec(b.url, [`INSERT INTO live VALUES (99, 'v') ON CONFLICT DO NOTHING`]);
      },
    };
    const r = await compare('live', { recheckAfterMs: 30_000 }, clock);
    expect(slept).toEqual([30_000]);
    expect(r.missingInTarget).toEqual([100]);
    expect(r.stats.rechecked).toBe(1);
    expect([r.sourceRows, r.targetRows]).toEqual([100, 99]);
    const plain = await compare('live', {});
    expect(plain.missingInTarget).toEqual([100]);
  });
});
