import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { FakeSsm } from '../../../test/support/aws-fake-ssm.js';
import { configVerifyAction, configVerifyParams, createConfigVerifyAction } from './config-verify-action.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-config-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const envFile = join(dir, '.env');
writeFileSync(
  envFile,
  'DB_HOST=new-db.internal\nDB_PASSWORD=s3cret\nAPI_URL=https://api.legacy.example.com\n',
);
const yamlFile = join(dir, 'app.yaml');
writeFileSync(yamlFile, 'database:\n  host: new-db.internal\n  port: 6432\n');

async function refused(work: Promise<unknown>): Promise<TminusError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TminusError);
  return error as TminusError;
}

describe('config.verify', () => {
  it('passes when every key holds its value, or changed from its old one', async () => {
    const result = await configVerifyAction.execute(
      testActionContext(),
      configVerifyParams.parse({
        store: 'yaml',
        file: yamlFile,
        expect: { 'database.host': 'new-db.internal', 'database.port': 6432, 'database.user': null },
        changedFrom: { 'database.host': 'old-db.internal' },
      }),
    );
    expect(result.summary).toBe(`yaml ${yamlFile}: 3 key(s) as expected`);
    expect(result.output).toEqual({
      store: `yaml ${yamlFile}`,
      keys: [
        { key: 'database.host', ok: true, secret: false, present: true, value: 'new-db.internal' },
        { key: 'database.port', ok: true, secret: false, present: true, value: 6432 },
        { key: 'database.user', ok: true, secret: false, present: false },
      ],
    });
  });

  it('fails (retryable) naming every key that is off, with secrets masked, and changes nothing', async () => {
    const before = readFileSync(envFile, 'utf8');
    const error = await refused(
      configVerifyAction.execute(
        testActionContext(),
        configVerifyParams.parse({
          store: 'dotenv',
          file: envFile,
          expect: { DB_HOST: 'other', DB_PASSWORD: 'wrong', MISSING: 'x' },
          changedFrom: { API_URL: 'https://api.legacy.example.com' },
          secret: ['DB_PASSWORD'],
        }),
      ),
    );
    expect(error.code).toBe('CONFIG_NOT_AS_EXPECTED');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `dotenv ${envFile}: 4 of 4 key(s) not as expected: DB_HOST holds "new-db.internal", expected "other"; DB_PASSWORD holds ***, expected ***; MISSING is not set, expected "x"; API_URL still holds the old value "https://api.legacy.example.com"`,
    );
    expect(error.message).not.toContain('s3cret');
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });

  it('reads SecureString parameters decrypted but never shows them', async () => {
    const fake = new FakeSsm();
    fake.put('/shop/db-password', 'n3w', 'SecureString');
    const action = createConfigVerifyAction({ ssm: (c) => fake.client(c) });
    const result = await action.execute(
      testActionContext(),
      configVerifyParams.parse({
        store: 'ssm',
        region: 'eu-west-1',
        changedFrom: { '/shop/db-password': 'hunter2' },
      }),
    );
    expect(result.output).toEqual({
      store: 'ssm eu-west-1',
      keys: [{ key: '/shop/db-password', ok: true, secret: true, present: true, value: '***' }],
    });
  });

  it('needs something to check, and plans read-only', async () => {
    const r = configVerifyParams.safeParse({ store: 'dotenv', file: envFile });
    expect(r.error?.issues[0]?.message).toBe(
      'give what to check: expect: { KEY: value } and/or changedFrom: { KEY: old value }',
    );
    const plan = await configVerifyAction.plan!(
      testActionContext(),
      configVerifyParams.parse({ store: 'dotenv', file: envFile, expect: { DB_HOST: 'x' }, secret: true }),
    );
    expect(plan.changes).toEqual([
      { target: `DB_HOST in dotenv ${envFile}`, note: 'would check it holds ***' },
    ]);
  });
});
