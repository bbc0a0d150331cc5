import { describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { FakeSsm } from '../../../test/support/aws-fake-ssm.js';
import { FakeSecretsManager } from '../../../test/support/aws-fake-secrets-manager.js';
import { accessDenied, throttled } from '../../../test/support/aws-fake-json.js';
import { configSetParams, createConfigSetAction } from './config-set-action.js';

async function refused(work: Promise<unknown>): Promise<TminusError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TminusError);
  return error as TminusError;
}

function ssmSetup(maxAttempts = 1) {
  const fake = new FakeSsm();
  fake.put('/shop/prod/db-host', 'old-db.internal');
  fake.put('/shop/prod/api-url', 'https://api.legacy.example.com');
  fake.put('/shop/prod/db-password', 'hunter2', 'SecureString');
  const action = createConfigSetAction({ ssm: (config) => fake.client(config, maxAttempts) });
  return { fake, action };
}
const ssm = (extra: Record<string, unknown>) =>
  configSetParams.parse({ store: 'ssm', region: 'eu-west-1', ...extra });
const writes = (fake: FakeSsm) => fake.calls.filter((c) => c.operation !== 'GetParameters');

describe('config.set on SSM Parameter Store (AWS SDK v3 at its HTTP layer)', () => {
  it('sets plain and SecureString parameters with compare-and-swap, keeping types and masking secrets', async () => {
    const { fake, action } = ssmSetup();
    const c = testActionContext({ secrets: ['n3w-pass'] });
    const result = await action.execute(
      c,
      ssm({
        set: {
          '/shop/prod/db-host': 'new-db.internal',
          '/shop/prod/db-password': 'n3w-pass',
          '/shop/prod/new-flag': 'on',
        },
        expect: { '/shop/prod/db-host': 'old-db.internal', '/shop/prod/new-flag': null },
      }),
    );
    expect(fake.parameters.get('/shop/prod/db-host')).toEqual({
      value: 'new-db.internal',
      type: 'String',
      version: 2,
    });
    expect(fake.parameters.get('/shop/prod/db-password')).toEqual({
      value: 'n3w-pass',
      type: 'SecureString',
      version: 2,
    });
    expect(fake.parameters.get('/shop/prod/new-flag')).toEqual({ value: 'on', type: 'String', version: 1 });
    expect(writes(fake).map((w) => w.input)).toEqual([
      { Name: '/shop/prod/db-host', Value: 'new-db.internal', Overwrite: true },
      { Name: '/shop/prod/db-password', Value: 'n3w-pass', Overwrite: true },
      { Name: '/shop/prod/new-flag', Value: 'on', Type: 'String', Overwrite: false },
    ]);
    expect(fake.calls[0]!.input).toEqual({
      Names: ['/shop/prod/db-host', '/shop/prod/db-password', '/shop/prod/new-flag'],
      WithDecryption: true,
    });
    expect(result.output).toMatchObject({
      store: 'ssm eu-west-1',
      keys: [
        { key: '/shop/prod/db-host', from: 'old-db.internal', to: 'new-db.internal', secret: false },
        { key: '/shop/prod/db-password', from: '***', to: '***', secret: true },
        { key: '/shop/prod/new-flag', existed: false, to: 'on' },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('hunter2');
    // A new secret key becomes a SecureString.
    await action.execute(c, ssm({ set: { '/shop/prod/api-key': 'n3w-pass' }, secret: true }));
    expect(fake.parameters.get('/shop/prod/api-key')?.type).toBe('SecureString');
  });

  it('is idempotent and refuses a stale expect without writing', async () => {
    const { fake, action } = ssmSetup();
    const ctx = testActionContext();
    const again = await action.execute(ctx, ssm({ set: { '/shop/prod/db-host': 'old-db.internal' } }));
    expect(again.output).toMatchObject({ changed: false });
    const error = await refused(
      action.execute(
        ctx,
        ssm({ set: { '/shop/prod/db-host': 'x' }, expect: { '/shop/prod/db-host': 'other' } }),
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(error.message).toBe(
      'refusing to change ssm eu-west-1: /shop/prod/db-host holds "old-db.internal", not the expected "other". Nothing was changed',
    );
    expect(writes(fake)).toEqual([]);
  });

  it('refuses when a parameter changes between the read and the write', async () => {
    const { fake, action } = ssmSetup();
    let reads = 0;
    const original = fake.calls.push.bind(fake.calls);
    fake.calls.push = (...items) => {
      // Someone else writes right after tminus's first read.
      if (items[0]?.operation === 'GetParameters' && ++reads === 1) {
        fake.put('/shop/prod/db-host', 'third-party');
      }
      return original(...items);
    };
    const error = await refused(
      action.execute(
        testActionContext(),
        ssm({ set: { '/shop/prod/db-host': 'new' }, expect: { '/shop/prod/db-host': 'old-db.internal' } }),
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(fake.parameters.get('/shop/prod/db-host')?.value).toBe('third-party');
  });

  it('puts back keys already written when a later one fails, so the call stays all or nothing', async () => {
    const { fake, action } = ssmSetup();
    fake.failPutOf = {
      name: '/shop/prod/api-url',
      error: accessDenied(
        'ssm:PutParameter',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/shop/prod/api-url',
      ),
    };
    const error = await refused(
      action.execute(
        testActionContext(),
        ssm({ set: { '/shop/prod/db-host': 'new', '/shop/prod/api-url': 'https://new' } }),
      ),
    );
    expect(error.code).toBe('CONFIG_ACCESS_DENIED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^ssm eu-west-1: AWS refused PutParameter \/shop\/prod\/api-url \(AccessDeniedException, HTTP 400: User: .* is not authorized to perform: ssm:PutParameter .*\); put back \/shop\/prod\/db-host, written before the failure$/,
    );
    expect(error.hint).toContain('ssm:PutParameter');
    expect(fake.parameters.get('/shop/prod/db-host')?.value).toBe('old-db.internal');
    expect(fake.parameters.get('/shop/prod/api-url')?.value).toBe('https://api.legacy.example.com');
  });

  it('says AWS throttled the call (retryable) when throttling outlasts the SDK retries, and nothing changed', async () => {
    const { fake, action } = ssmSetup(2);
    fake.failures.push(throttled, throttled);
    const error = await refused(
      action.execute(testActionContext(), ssm({ set: { '/shop/prod/db-host': 'new' } })),
    );
    expect(error.code).toBe('CONFIG_THROTTLED');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      'ssm eu-west-1: AWS throttled GetParameters 2 times (ThrottlingException, HTTP 400: Rate exceeded); nothing was changed by this call',
    );
    expect(fake.parameters.get('/shop/prod/db-host')?.value).toBe('old-db.internal');
  });

  it('succeeds when the SDK retry absorbs one throttled answer', async () => {
    const { fake, action } = ssmSetup(3);
    fake.failures.push(throttled);
    await action.execute(testActionContext(), ssm({ set: { '/shop/prod/db-host': 'new' } }));
    expect(fake.parameters.get('/shop/prod/db-host')?.value).toBe('new');
    expect(fake.calls.filter((c) => c.operation === 'GetParameters').length).toBeGreaterThanOrEqual(3);
  });

  it('says access was denied on read, with the permissions to grant', async () => {
    const { fake, action } = ssmSetup();
    fake.failures.push(
      accessDenied('ssm:GetParameters', 'arn:aws:ssm:eu-west-1:123456789012:parameter/shop/prod/db-host'),
    );
    const error = await refused(
      action.execute(testActionContext(), ssm({ set: { '/shop/prod/db-host': 'new' } })),
    );
    expect(error.code).toBe('CONFIG_ACCESS_DENIED');
    expect(error.message).toContain(
      'AWS refused GetParameters (AccessDeniedException, HTTP 400: User: arn:aws:iam::123456789012:user/cutover is not authorized',
    );
    expect(error.hint).toBe(
      'the credentials need ssm:GetParameters, ssm:PutParameter and ssm:DeleteParameter on these parameters (and kms:Decrypt / kms:Encrypt on the key of SecureString ones)',
    );
  });

  it('refuses parameter names AWS would reject before calling it', async () => {
    const { fake, action } = ssmSetup();
    const error = await refused(action.execute(testActionContext(), ssm({ set: { 'bad name!': 'x' } })));
    expect(error.code).toBe('INVALID_PARAMS');
    expect(error.message).toBe(
      'ssm eu-west-1: "bad name!" is not a parameter name (letters, digits, _ . - /)',
    );
    expect(fake.calls).toEqual([]);
  });

  it('undoes from the recorded values, with a secret restored from the plan reference', async () => {
    const { fake, action } = ssmSetup();
    const raw = {
      store: 'ssm',
      region: 'eu-west-1',
      set: { '/shop/prod/db-host': 'new', '/shop/prod/db-password': '${env:NEW_PASS}' },
      expect: { '/shop/prod/db-password': '${env:OLD_PASS}' },
    };
    const c = testActionContext({ secrets: ['n3w'] });
    const result = await action.execute(
      c,
      ssm({
        ...raw,
        set: { '/shop/prod/db-host': 'new', '/shop/prod/db-password': 'n3w' },
        expect: { '/shop/prod/db-password': 'hunter2' },
      }),
    );
    expect(action.undo!(configSetParams.parse(raw), result.output!)).toEqual({
      action: 'config.set',
      with: {
        store: 'ssm',
        region: 'eu-west-1',
        set: { '/shop/prod/db-host': 'old-db.internal', '/shop/prod/db-password': '${env:OLD_PASS}' },
        expect: { '/shop/prod/db-host': 'new', '/shop/prod/db-password': '${env:NEW_PASS}' },
      },
    });
    expect(fake.parameters.get('/shop/prod/db-password')?.value).toBe('n3w');
  });
});

function smSetup(maxAttempts = 1) {
  const fake = new FakeSecretsManager();
  fake.put(
    'shop/prod/db',
    JSON.stringify({ username: 'shop', password: 'hunter2', host: 'old-db.internal', port: 5432 }),
  );
  fake.put('shop/plain', 'just-a-token');
  const action = createConfigSetAction({ secretsManager: (config) => fake.client(config, maxAttempts) });
  return { fake, action };
}
const sm = (extra: Record<string, unknown>) =>
  configSetParams.parse({
    store: 'secrets-manager',
    region: 'eu-west-1',
    secretId: 'shop/prod/db',
    ...extra,
  });

describe('config.set on Secrets Manager (AWS SDK v3 at its HTTP layer)', () => {
  it('sets keys of a JSON secret as one new version, masks every value, and a retry adds no version', async () => {
    const { fake, action } = smSetup();
    const p = sm({
      set: { host: 'new-db.internal', port: 6432 },
      expect: { host: 'old-db.internal', port: 5432 },
    });
    const result = await action.execute(testActionContext(), p);
    expect(JSON.parse(fake.current('shop/prod/db')!)).toEqual({
      username: 'shop',
      password: 'hunter2',
      host: 'new-db.internal',
      port: 6432,
    });
    expect(result.output).toMatchObject({
      keys: [
        { key: 'host', secret: true, from: '***', to: '***' },
        { key: 'port', secret: true },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('old-db.internal');
    const put = fake.calls.find((c) => c.operation === 'PutSecretValue')!;
    expect(put.input.ClientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(fake.secrets.get('shop/prod/db')).toHaveLength(2);
    const again = await action.execute(testActionContext(), p);
    expect(again.output).toMatchObject({ changed: false });
    expect(fake.secrets.get('shop/prod/db')).toHaveLength(2);
  });

  it('refuses when the secret gets a new version between read and write', async () => {
    const { fake, action } = smSetup();
    let gets = 0;
    const original = fake.calls.push.bind(fake.calls);
    fake.calls.push = (...items) => {
      if (items[0]?.operation === 'GetSecretValue' && ++gets === 2) {
        fake.put('shop/prod/db', JSON.stringify({ host: 'rotated' }), 'v-rotated');
      }
      return original(...items);
    };
    const error = await refused(action.execute(testActionContext(), sm({ set: { host: 'new' } })));
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(error.message).toBe(
      "secrets-manager eu-west-1 shop/prod/db: secret 'shop/prod/db' got a new version while tminus was setting it: nothing was written",
    );
    expect(JSON.parse(fake.current('shop/prod/db')!)).toEqual({ host: 'rotated' });
  });

  it('refuses a secret that is not a JSON object without showing it, and a missing secret', async () => {
    const { fake, action } = smSetup();
    const error = await refused(
      action.execute(testActionContext(), sm({ secretId: 'shop/plain', set: { a: 'b' } })),
    );
    expect(error.code).toBe('CONFIG_WRONG_TYPE');
    expect(error.message).toBe(
      "secrets-manager eu-west-1 shop/plain: secret 'shop/plain' holds plain text, not a JSON object of keys: its keys cannot be set",
    );
    expect(error.message).not.toContain('just-a-token');
    const missing = await refused(
      action.execute(testActionContext(), sm({ secretId: 'nope', set: { a: 'b' } })),
    );
    expect(missing.code).toBe('CONFIG_UNREACHABLE');
    expect(missing.message).toBe(
      "secrets-manager eu-west-1 nope: no secret 'nope' (ResourceNotFoundException)",
    );
    expect(fake.calls.some((c) => c.operation === 'PutSecretValue')).toBe(false);
  });

  it('reports throttling and access denied in plain words, changing nothing', async () => {
    const { fake, action } = smSetup();
    fake.failures.push(throttled);
    const t = await refused(action.execute(testActionContext(), sm({ set: { host: 'new' } })));
    expect(t.code).toBe('CONFIG_THROTTLED');
    expect(t.retryable).toBe(true);
    fake.failures.push(accessDenied('secretsmanager:GetSecretValue', 'shop/prod/db'));
    const d = await refused(action.execute(testActionContext(), sm({ set: { host: 'new' } })));
    expect(d.code).toBe('CONFIG_ACCESS_DENIED');
    expect(d.hint).toContain('secretsmanager:PutSecretValue');
    expect(fake.secrets.get('shop/prod/db')).toHaveLength(1);
  });
});
