import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdgeMariadb, loadEdgePostgres, loadEdgeSqlite } from '../../test/support/data-corpus.js';
import type { TestDatabase } from '../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../test/support/databases.js';
import { dataDiff } from './data-diff.js';
import type { TableResult } from './diff-result.js';
import { openDialect } from './open-dialect.js';
import { SystemClock } from '../engine/system-clock.js';

let pgA: TestDatabase;
let pgB: TestDatabase;
let myA: TestDatabase;
let myB: TestDatabase;
let dir: string;
let sqlite: string;

beforeAll(async () => {
  [pgA, pgB, myA, myB] = await Promise.all([
    createPostgresDatabase('tminus_edge'),
    createPostgresDatabase('tminus_edge'),
    createMariadbDatabase('tminus_edge'),
    createMariadbDatabase('tminus_edge'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'tminus-edge-'));
  sqlite = join(dir, 'edge.db');
  await Promise.all([
    loadEdgePostgres(pgA.url),
    loadEdgePostgres(pgB.url),
    loadEdgeMariadb(myA.url),
    loadEdgeMariadb(myB.url),
  ]);
  loadEdgeSqlite(sqlite);
});

afterAll(async () => {
  await Promise.all([pgA?.drop(), pgB?.drop(), myA?.drop(), myB?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function compare(source: string, target: string, options = {}): Promise<TableResult> {
  const [s, t] = await Promise.all([openDialect(source), openDialect(target)]);
  try {
    const report = await dataDiff({
      source: s,
      target: t,
      tables: ['edge'],
      options,
      clock: new SystemClock(),
    });
    return report.tables[0]!;
  } finally {
    await Promise.all([s.close(), t.close()]);
  }
}

function expectIdentical(r: TableResult): void {
  expect(r.error).toBeUndefined();
  expect({
    changed: r.changed,
    missingInTarget: r.missingInTarget,
    missingInSource: r.missingInSource,
  }).toEqual({
    changed: [],
    missingInTarget: [],
    missingInSource: [],
  });
  expect(r.status).toBe('identical');
  expect(r.sourceRows).toBe(60);
  expect(r.targetRows).toBe(60);
}

describe('the type-edge corpus', () => {
  it('shows no false difference from PostgreSQL to PostgreSQL, with native and canonical hashes', async () => {
    const native = await compare(pgA.url, pgB.url);
    expectIdentical(native);
    expect(native.stats.nativeHash).toBe(true);
    const canonical = await compare(pgA.url, pgB.url, { nativeHash: false });
    expectIdentical(canonical);
    expect(canonical.stats.nativeHash).toBe(false);
  });

  it('shows no false difference from MariaDB to MariaDB', async () => {
    expectIdentical(await compare(myA.url, myB.url));
  });

  it('shows no false difference from MariaDB to PostgreSQL', async () => {
    expectIdentical(await compare(myA.url, pgA.url));
  });

  it('shows no false difference from PostgreSQL to MariaDB', async () => {
    expectIdentical(await compare(pgA.url, myA.url));
  });

  it('shows no false difference from SQLite to PostgreSQL and back', async () => {
    expectIdentical(await compare(`sqlite:${sqlite}`, pgA.url));
    expectIdentical(await compare(pgA.url, sqlite));
  });

  it('shows no false difference from SQLite to MariaDB', async () => {
    expectIdentical(await compare(`sqlite:${sqlite}`, myA.url));
  });

  it('compares rows by key hash buckets with the same result', async () => {
    const r = await compare(myA.url, pgA.url, { key: ['id', 't_var'] });
    expect(r.mode).toBe('buckets');
    expectIdentical(r);
  });
});
