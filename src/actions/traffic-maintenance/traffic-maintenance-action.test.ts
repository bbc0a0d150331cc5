import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testActionContext } from '../../../test/support/action-context.js';
import { startHaproxy, type HaproxyServer } from '../../../test/support/haproxy-server.js';
import { freePort } from '../../../test/support/free-port.js';
import { startHttpBackend, type HttpBackend } from '../../../test/support/http-backend.js';
import { NGINX_BINARY, startNginx, type NginxServer } from '../../../test/support/nginx-server.js';
import { trafficShiftAction, trafficShiftParams } from '../traffic-shift/traffic-shift-action.js';
import { trafficMaintenanceAction, trafficMaintenanceParams } from './traffic-maintenance-action.js';

let app: HttpBackend;
let page: HttpBackend;
let deadPort: number;
let haproxy: HaproxyServer;
let nginx: NginxServer;

const fetchFrom = (port: number) =>
  new Promise<string>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(`${res.statusCode} ${String(res.headers['x-env'])}`));
    }).on('error', reject);
  });

const haproxyParams = (extra: Record<string, unknown>) =>
  trafficMaintenanceParams.parse({
    provider: 'haproxy',
    socket: haproxy.socketPath,
    backend: 'app',
    page: 'maint',
    ...extra,
  });
const nginxTarget = () => ({
  provider: 'nginx',
  file: nginx.upstreamFile,
  upstream: 'app',
  servers: { app: `127.0.0.1:${app.port}`, maint: `127.0.0.1:${page.port}` },
  backup: ['maint'],
  nginx: NGINX_BINARY,
  args: nginx.args,
});

beforeAll(async () => {
  app = await startHttpBackend('app');
  page = await startHttpBackend('maintenance', { status: 503 });
  deadPort = await freePort();
  haproxy = await startHaproxy({
    backends: {
      app: [
        { name: 'app', port: app.port, weight: 100 },
        // A maintenance page answers 503 everywhere, so it has no HTTP health check (it would always fail).
        { name: 'maint', port: page.port, weight: 1, backup: true, disabled: true, check: false },
        { name: 'deadpage', port: deadPort, weight: 1, backup: true, disabled: true },
      ],
    },
  });
  nginx = await startNginx({
    upstream: 'app',
    upstreamConfig: `upstream app { server 127.0.0.1:${app.port}; }\n`,
  });
  await trafficShiftAction.execute(
    testActionContext(),
    trafficShiftParams.parse({ ...nginxTarget(), weights: { app: 100 } }),
  );
}, 600_000);

afterAll(async () => {
  await haproxy?.stop();
  await nginx?.stop();
  await app?.stop();
  await page?.stop();
});

describe('traffic.maintenance with HAProxy', () => {
  it('puts the backup maintenance server in front, verified by a probe, and takes it away again', async () => {
    expect(await fetchFrom(haproxy.port)).toBe('200 app');
    const plan = await trafficMaintenanceAction.plan!(
      testActionContext(),
      haproxyParams({ mode: 'on', appServers: ['app'] }),
    );
    expect(plan.changes.map((c) => [c.target.split(' ').pop(), c.from, c.to])).toEqual([
      ['maint', 'weight 1, maint', 'weight 1'],
      ['app', 'weight 100', 'weight 100, maint'],
    ]);
    const on = await trafficMaintenanceAction.execute(
      testActionContext(),
      haproxyParams({
        mode: 'on',
        check: { url: `http://127.0.0.1:${haproxy.port}/`, status: 503, contains: 'maintenance' },
      }),
    );
    expect(on.output).toMatchObject({
      changed: true,
      after: { app: { state: 'maint' }, maint: { state: 'ready' } },
    });
    expect(await fetchFrom(haproxy.port)).toBe('503 maintenance');
    const again = await trafficMaintenanceAction.execute(testActionContext(), haproxyParams({ mode: 'on' }));
    expect(again.summary).toContain('(already)');
    await trafficMaintenanceAction.execute(testActionContext(), haproxyParams({ mode: 'off' }));
    expect(await fetchFrom(haproxy.port)).toBe('200 app');
  });

  it('fails when the probe does not see the page, and names an unknown page server', async () => {
    const error = await trafficMaintenanceAction
      .execute(
        testActionContext(),
        haproxyParams({ mode: 'off', check: { url: `http://127.0.0.1:${haproxy.port}/`, status: 503 } }),
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
    expect(error).toMatchObject({ code: 'TRAFFIC_CHECK_FAILED' });
    expect(error?.message).toContain('status 200, expected 503');
    const unknown = await trafficMaintenanceAction
      .execute(testActionContext(), haproxyParams({ mode: 'on', page: 'sorry' }))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
    expect(unknown).toMatchObject({
      code: 'TRAFFIC_BAD_TARGET',
      message: `haproxy backend app via ${haproxy.socketPath} has no maintenance server 'sorry'`,
    });
  });

  it('leaves the app up when the page server never passes its health check', async () => {
    const error = await trafficMaintenanceAction
      .execute(testActionContext(), haproxyParams({ mode: 'on', page: 'deadpage', readyTimeout: '2s' }))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
    expect(error).toMatchObject({ code: 'TRAFFIC_NOT_APPLIED' });
    expect(error?.message).toContain('deadpage not serving after 2 s');
    expect(await fetchFrom(haproxy.port)).toBe('200 app');
    await trafficMaintenanceAction.execute(
      testActionContext(),
      haproxyParams({ mode: 'off', page: 'deadpage' }),
    );
  });

  it('drafts the opposite mode as its inverse', () => {
    expect(trafficMaintenanceAction.inverse!(haproxyParams({ mode: 'on' }))).toEqual({
      action: 'traffic.maintenance',
      with: { provider: 'haproxy', socket: haproxy.socketPath, backend: 'app', page: 'maint', mode: 'off' },
    });
  });
});

describe('traffic.maintenance with nginx', () => {
  it('serves the backup page while the app servers are down, and restores them', async () => {
    expect(await fetchFrom(nginx.port)).toBe('200 app');
    await trafficMaintenanceAction.execute(
      testActionContext(),
      trafficMaintenanceParams.parse({ ...nginxTarget(), mode: 'on', page: 'maint' }),
    );
    expect(await fetchFrom(nginx.port)).toBe('503 maintenance');
    await trafficMaintenanceAction.execute(
      testActionContext(),
      trafficMaintenanceParams.parse({ ...nginxTarget(), mode: 'off', page: 'maint' }),
    );
    expect(await fetchFrom(nginx.port)).toBe('200 app');
  });

  it('requires the nginx page to be a backup server, and refuses to take the page itself out', () => {
    const r = trafficMaintenanceParams.safeParse({
      ...nginxTarget(),
      backup: [],
      mode: 'on',
      page: 'maint',
      appServers: ['maint'],
    });
    const messages = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      "appServers: 'maint' is the page; it cannot also be taken out",
      "page: with nginx the page 'maint' must be listed in backup",
    ]);
    expect(
      trafficMaintenanceParams.safeParse({ ...nginxTarget(), mode: 'maybe', page: 'maint' }).success,
    ).toBe(false);
  });
});
