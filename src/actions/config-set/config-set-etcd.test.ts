import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import type { EtcdServer } from '../../../test/support/etcd-server.js';
import { startEtcd } from '../../../test/support/etcd-server.js';
import { freePort } from '../../../test/support/free-port.js';
import { configSetAction, configSetParams } from './config-set-action.js';

let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
  await etcd.put('/shop/db/host', 'old-db.internal');
  await etcd.put('/shop/api/url', 'https://api.legacy.example.com');
}, 120_000);
afterAll(async () => {
  await etcd?.stop();
});

async function refused(work: Promise<unknown>): Promise<TminusError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TminusError);
  return error as TminusError;
}
const params = (extra: Record<string, unknown>) =>
  configSetParams.parse({ store: 'etcd', endpoints: [etcd.url], ...extra });

describe('config.set on a real etcd v3 (JSON gateway)', () => {
  it('sets, creates and removes keys in one compare-and-swap transaction', async () => {
    await etcd.put('/shop/old-flag', 'x');
    const result = await configSetAction.execute(
      testActionContext(),
      params({
        set: { '/shop/db/host': 'new-db.internal', '/shop/feature': 'on' },
        unset: ['/shop/old-flag'],
        expect: { '/shop/db/host': 'old-db.internal', '/shop/feature': null, '/shop/old-flag': 'x' },
      }),
    );
    expect(await etcd.get('/shop/db/host')).toBe('new-db.internal');
    expect(await etcd.get('/shop/feature')).toBe('on');
    expect(await etcd.get('/shop/old-flag')).toBeUndefined();
    expect(result.output).toMatchObject({
      store: `etcd ${etcd.url}`,
      changed: true,
      keys: [
        { key: '/shop/db/host', from: 'old-db.internal', to: 'new-db.internal', changed: true },
        { key: '/shop/feature', existed: false, to: 'on' },
        { key: '/shop/old-flag', existed: true, from: 'x', changed: true },
      ],
    });
    const again = await configSetAction.execute(
      testActionContext(),
      params({ set: { '/shop/db/host': 'new-db.internal' }, expect: { '/shop/db/host': 'old-db.internal' } }),
    );
    expect(again.output).toMatchObject({ changed: false });
  });

  it('refuses a stale expect and changes nothing', async () => {
    const error = await refused(
      configSetAction.execute(
        testActionContext(),
        params({
          set: { '/shop/api/url': 'https://new', '/shop/other': 'v' },
          expect: { '/shop/api/url': 'https://elsewhere' },
        }),
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(error.message).toBe(
      `refusing to change etcd ${etcd.url}: /shop/api/url holds "https://api.legacy.example.com", not the expected "https://elsewhere". Nothing was changed`,
    );
    expect(await etcd.get('/shop/other')).toBeUndefined();
  });

  it('lets etcd refuse the transaction when a key changed after it was read', async () => {
    const { EtcdStore } = await import('../shared/config-stores/etcd-store.js');
    const store = new EtcdStore([etcd.url], { timeoutMs: 5000, redact: (t) => t });
    const signal = new AbortController().signal;
    const read = await store.read(['/shop/api/url', '/shop/race'], signal);
    expect(read.get('/shop/api/url')?.value).toBe('https://api.legacy.example.com');
    await etcd.put('/shop/api/url', 'https://someone-else'); // a concurrent writer
    const error = await refused(
      store.write(
        [
          { key: '/shop/api/url', from: read.get('/shop/api/url'), to: 'https://new', secret: false },
          { key: '/shop/race', from: undefined, to: 'v', secret: false },
        ],
        { signal, idempotencyKey: 'k' },
      ),
    );
    expect(error.code).toBe('CONFIG_CAS_MISMATCH');
    expect(await etcd.get('/shop/api/url')).toBe('https://someone-else');
    expect(await etcd.get('/shop/race')).toBeUndefined();
  });

  it('names every endpoint it could not reach', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const error = await refused(
      configSetAction.execute(
        testActionContext(),
        configSetParams.parse({ store: 'etcd', endpoints: [closed], set: { a: 'b' } }),
      ),
    );
    expect(error.code).toBe('CONFIG_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`cannot reach etcd: ${closed}: connection refused`);
    // With a second, live endpoint the call goes through.
    await configSetAction.execute(
      testActionContext(),
      configSetParams.parse({
        store: 'etcd',
        endpoints: [closed, etcd.url],
        set: { '/shop/failover': 'ok' },
      }),
    );
    expect(await etcd.get('/shop/failover')).toBe('ok');
  });

  it('takes the endpoints from a connection of kind etcd', async () => {
    const c = testActionContext({
      connections: { 'config-etcd': { name: 'config-etcd', kind: 'etcd', url: etcd.url, options: {} } },
    });
    await configSetAction.execute(
      c,
      configSetParams.parse({ store: 'etcd', connection: 'config-etcd', set: { '/shop/conn': 'yes' } }),
    );
    expect(await etcd.get('/shop/conn')).toBe('yes');
  });
});
