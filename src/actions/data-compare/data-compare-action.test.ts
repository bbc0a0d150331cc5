import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testActionContext } from '../../../test/support/action-context.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { createMariadbDatabase, createPostgresDatabase } from '../../../test/support/databases.js';
import { mariadbExec, pgExec } from '../../../test/support/data-tables.js';
import { TminusError } from '../../core/tminus-error.js';
import { builtinActions } from '../builtin-actions.js';
import { dataCompareAction, dataCompareParams } from './data-compare-action.js';

let pgDb: TestDatabase;
let myDb: TestDatabase;
let dir: string;
const PASSWORD = 'n0t-the-real-one';

beforeAll(async () => {
  [pgDb, myDb] = await Promise.all([
    createPostgresDatabase('tminus_act'),
    createMariadbDatabase('tminus_act'),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'tminus-act-'));
  const ddl = `CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(20), balance decimal(12,2), opened date)`;
  await Promise.all([
    mariadbExec(myDb.url, [
      ddl,
      `INSERT INTO accounts VALUES (1,'a',1.00,'2020-01-01'),(2,'b',2.50,'2021-02-03'),(3,'c',0.00,NULL)`,
    ]),
    pgExec(pgDb.url, [
      ddl,
      `INSERT INTO accounts VALUES (1,'a',1.00,'2020-01-01'),(2,'b',2.50,'2021-02-03'),(3,'c',0.00,NULL)`,
    ]),
  ]);
});

afterAll(async () => {
  await Promise.all([pgDb?.drop(), myDb?.drop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ctx = () =>
  testActionContext({
    connections: {
      legacy: { kind: 'mariadb', url: myDb.url },
      cloud: { kind: 'postgres', url: pgDb.url },
      dns: { kind: 'dns', url: 'x' },
    },
    secrets: [PASSWORD],
  });

describe('the data.compare action', () => {
  it('is registered as a built-in, idempotent action', () => {
    expect(builtinActions().get('data.compare')).toBe(dataCompareAction);
    expect(dataCompareAction.idempotent).toBe(true);
  });

  it('succeeds with the per-table evidence when the data is identical', async () => {
    const p = dataCompareParams.parse({ source: 'legacy', target: 'cloud', tables: ['accounts'] });
    const r = await dataCompareAction.execute(ctx(), p);
    expect(r.summary).toBe('accounts: identical');
    expect(r.value).toEqual({ identical: true });
    const tables = (r.output as { tables: { table: string; sourceRows: number; status: string }[] }).tables;
    expect(tables.map((t) => [t.table, t.sourceRows, t.status])).toEqual([['accounts', 3, 'identical']]);
  });

  it('fails naming the differences, and writes the report, when the data differs', async () => {
    await pgExec(pgDb.url, [`UPDATE accounts SET balance = 2.49 WHERE id = 2`]);
    const report = join(dir, 'accounts.md');
    const p = dataCompareParams.parse({ source: 'legacy', target: 'cloud', tables: ['accounts'], report });
    const error = await dataCompareAction.execute(ctx(), p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TminusError);
    expect((error as TminusError).code).toBe('DATA_DIFFERS');
    expect((error as TminusError).message).toBe('accounts: 1 changed');
    expect(readFileSync(report, 'utf8')).toContain('| 2 | balance | "2.50" | "2.49" |');
    const soft = await dataCompareAction.execute(ctx(), { ...p, failOn: 'never' });
    expect(soft.value).toEqual({ identical: false });
  });

  it('plans a read-only comparison', async () => {
    const plan = await dataCompareAction.plan!(
      ctx(),
      dataCompareParams.parse({ source: 'legacy', target: 'cloud', all: true }),
    );
    expect(plan).toEqual({ summary: 'compare every table from legacy to cloud (read-only)', changes: [] });
  });

  it('rejects bad parameters with every problem named', () => {
    const r = dataCompareParams.safeParse({
      source: '',
      target: 'cloud',
      floatDecimals: -1,
      report: 'x.txt',
      colour: 'red',
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || i.message);
    expect(paths).toEqual(expect.arrayContaining(['source', 'floatDecimals', 'report']));
    expect(r.error!.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
    expect(dataCompareParams.safeParse({ source: 'a', target: 'b' }).error?.issues[0]?.message).toBe(
      'give either tables: [...] or all: true',
    );
    expect(
      dataCompareParams.safeParse({ source: 'a', target: 'b', tables: ['t'], loadTimeZone: '${env:TZ}' })
        .success,
    ).toBe(true);
  });

  it('refuses a connection that is not a database, and redacts secrets from connection errors', async () => {
    const notDb = await dataCompareAction
      .execute(ctx(), dataCompareParams.parse({ source: 'dns', target: 'cloud', all: true }))
      .catch((e: unknown) => e);
    expect((notDb as Error).message).toBe('connection dns is a dns connection, not a database');
    const c = testActionContext({
      connections: {
        bad: { kind: 'postgres', url: `postgres://app:${PASSWORD}@127.0.0.1:1/db` },
        cloud: { kind: 'postgres', url: pgDb.url },
      },
      secrets: [PASSWORD],
    });
    const e = await dataCompareAction
      .execute(c, dataCompareParams.parse({ source: 'bad', target: 'cloud', all: true }))
      .catch((x: unknown) => x);
    expect((e as TminusError).code).toBe('DATA_CONNECTION');
    expect((e as Error).message).toContain('connection bad: cannot connect to postgres://app@127.0.0.1:1/db');
    expect((e as Error).message).not.toContain(PASSWORD);
  });
});
