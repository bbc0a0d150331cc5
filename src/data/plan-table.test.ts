import { describe, expect, it } from 'vitest';
import type { ColumnInfo, TableInfo } from './dialect.js';
import { pairKinds, planTable } from './plan-table.js';

const col = (name: string, kind: ColumnInfo['kind'], extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  kind,
  nativeType: kind,
  nullable: true,
  ...extra,
});

describe('pairing column types across engines', () => {
  it('compares booleans with tinyint(1) as booleans and integers as integers', () => {
    expect(pairKinds(col('b', 'bool'), col('b', 'int', { maybeBool: true }), {}).as).toEqual({
      kind: 'bool',
    });
    expect(pairKinds(col('i', 'int'), col('i', 'int'), {}).as).toEqual({ kind: 'int' });
  });

  it('compares decimals at the lower scale and says so', () => {
    const r = pairKinds(col('d', 'decimal', { scale: 4 }), col('d', 'decimal', { scale: 2 }), {});
    expect(r.as).toEqual({ kind: 'decimal', scale: 2 });
    expect(r.note).toBe('decimal scales differ: compared at the lower scale');
  });

  it('compares timestamps at the lower precision, reading the zone-less side in the load time zone', () => {
    const r = pairKinds(
      col('t', 'timestamp', { fractionDigits: 0 }),
      col('t', 'timestamptz', { fractionDigits: 6 }),
      {
        loadTimeZone: 'Europe/Paris',
      },
    );
    expect(r.as).toEqual({ kind: 'timestamp', digits: 0, zone: 'Europe/Paris', rounding: 'round-postgres' });
    expect(r.note).toBe(
      'compared to 0 fractional digits, rounded as PostgreSQL does on the target; zone-less side taken as Europe/Paris',
    );
  });

  it('cuts timestamps by the rule of the target engine, or the one asked for', () => {
    const a = col('t', 'timestamp', { fractionDigits: 6 });
    const b = col('t', 'timestamp', { fractionDigits: 3 });
    const rule = (
      o: Parameters<typeof pairKinds>[2],
      target: 'postgres' | 'mysql' | 'sqlite',
      flavor?: 'mysql',
    ) => pairKinds(a, b, o, { source: 'postgres', target, targetFlavor: flavor }).as;
    expect(rule({}, 'postgres')).toMatchObject({ digits: 3, rounding: 'round-postgres' });
    expect(rule({}, 'mysql')).toMatchObject({ digits: 3, rounding: 'truncate' });
    expect(rule({}, 'mysql', 'mysql')).toMatchObject({ digits: 3, rounding: 'round-half-up' });
    expect(rule({}, 'sqlite')).toMatchObject({ digits: 3, rounding: 'truncate' });
    expect(rule({ timestampRounding: 'truncate' }, 'postgres')).toMatchObject({ rounding: 'truncate' });
    expect(rule({ timestampRounding: 'round' }, 'mysql')).toMatchObject({ rounding: 'round-half-up' });
    // Same precision on both sides and only --timestamp-digits: truncated, no note.
    const same = pairKinds(a, a, { timestampDigits: 2 });
    expect(same).toEqual({ as: { kind: 'timestamp', digits: 2, zone: undefined, rounding: undefined } });
  });

  it('compares JSON by value unless asked to compare it as text, and says which', () => {
    expect(pairKinds(col('j', 'json'), col('j', 'text'), { jsonAsText: true }).note).toBe(
      'JSON compared as stored text: key order and spacing count',
    );
    const pg = { source: 'postgres', target: 'postgres' } as const;
    const jsonb = col('j', 'json', { nativeType: 'jsonb' });
    expect(pairKinds(col('j', 'json', { nativeType: 'json' }), jsonb, {}, pg).as).toEqual({
      kind: 'json',
      jsonb: true,
    });
    const cross = pairKinds(col('j', 'json'), jsonb, {}, { source: 'mysql', target: 'postgres' });
    expect(cross.as).toEqual({ kind: 'json', jsonb: false });
    expect(cross.note).toMatch(/^JSON compared by value: .*computed in tminus/);
  });

  it('warns that unrelated types are compared as text', () => {
    expect(
      pairKinds(col('x', 'binary', { nativeType: 'bytea' }), col('x', 'date', { nativeType: 'date' }), {})
        .note,
    ).toBe('types bytea and date compared as text');
  });
});

describe('planning a table comparison', () => {
  const table = (name: string, columns: ColumnInfo[], primaryKey: string[]): TableInfo => ({
    name,
    columns,
    primaryKey,
  });

  it('reports columns on one side only and a primary key that differs, matching names case-insensitively', () => {
    const source = table(
      'Orders',
      [col('ID', 'int'), col('total', 'decimal', { scale: 2 }), col('legacy_flag', 'int')],
      ['ID'],
    );
    const target = table(
      'orders',
      [col('id', 'int'), col('total', 'decimal', { scale: 2 }), col('created_at', 'timestamp')],
      ['id', 'total'],
    );
    const plan = planTable(source, target, {}, { source: 'mysql', target: 'postgres' });
    expect(plan.mode).toBe('segments');
    expect(plan.source.specs.map((s) => s.column)).toEqual(['ID', 'total']);
    expect(plan.target.specs.map((s) => s.column)).toEqual(['id', 'total']);
    expect(plan.notes.map((n) => n.message)).toEqual([
      'primary keys differ: source (ID), target (id, total); rows are matched on the source key',
      'column legacy_flag exists only on the source: not compared',
      'column created_at exists only on the target: not compared',
    ]);
  });

  it('refuses a table without a key, naming what to pass', () => {
    const t = table('log', [col('msg', 'text')], []);
    expect(() => planTable(t, t, {}, { source: 'postgres', target: 'postgres' })).toThrow(
      'table log has no primary key on the source',
    );
    expect(() => planTable(t, t, { key: ['nope'] }, { source: 'postgres', target: 'postgres' })).toThrow(
      'key column nope is not a column of log',
    );
  });
});
