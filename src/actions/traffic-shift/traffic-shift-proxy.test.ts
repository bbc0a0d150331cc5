import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testActionContext } from '../../../test/support/action-context.js';
import { TrafficProxy } from '../../demo/traffic-proxy.js';
import { TminusError } from '../../core/tminus-error.js';
import {
  trafficMaintenanceAction,
  trafficMaintenanceParams,
} from '../traffic-maintenance/traffic-maintenance-action.js';
import { createTrafficShiftAction, trafficShiftParams } from './traffic-shift-action.js';

/** A real HTTP server answering with its own name (or 500 while `failing`). */
async function backend(name: string): Promise<{ url: string; server: Server; failing: boolean }> {
  const b = { url: '', server: createServer(), failing: false };
  b.server.on('request', (_req, res) => {
    if (b.failing) res.writeHead(500).end('broken');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', () => r()));
  b.url = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
  return b;
}

const started: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close();
});

async function lab() {
  const legacy = await backend('legacy');
  const fresh = await backend('new');
  for (const b of [legacy, fresh]) {
    started.push({ close: () => new Promise<void>((r) => b.server.close(() => r())) });
    started.push({ close: () => b.server.closeAllConnections() });
  }
  const proxy = await new TrafficProxy({
    servers: [
      { name: 'legacy', url: legacy.url, weight: 100, state: 'ready' },
      { name: 'new', url: fresh.url, weight: 0, state: 'ready' },
      { name: 'hold', weight: 1, state: 'maint' },
    ],
  }).start();
  started.push(proxy);
  return { legacy, fresh, proxy };
}

async function answers(url: string, n: number): Promise<Record<string, number>> {
  const count: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const text = await (await fetch(url)).text();
    count[text] = (count[text] ?? 0) + 1;
  }
  return count;
}

describe('traffic.shift and traffic.maintenance with the built-in proxy provider', () => {
  it('moves traffic in checked steps, reads it back, and the undo puts back what it found', async () => {
    const { proxy } = await lab();
    const action = createTrafficShiftAction();
    const p = trafficShiftParams.parse({
      provider: 'proxy',
      admin: proxy.adminUrl,
      from: 'legacy',
      to: 'new',
      steps: [50, 100],
      check: { url: `${proxy.url}/`, status: 200, samples: 4 },
    });
    expect(await answers(proxy.url, 4)).toEqual({ legacy: 4 });
    const planned = await action.plan!(testActionContext(), p);
    expect(planned.summary).toBe(`shift proxy ${proxy.adminUrl} in 2 steps (50 % to new → 100 % to new)`);
    const result = await action.execute(testActionContext(), p);
    expect(result.output).toMatchObject({
      changed: true,
      before: { legacy: { weight: 100, state: 'ready' }, new: { weight: 0, state: 'ready' } },
      after: { legacy: { weight: 0, state: 'ready' }, new: { weight: 100, state: 'ready' } },
    });
    expect(await answers(proxy.url, 6)).toEqual({ new: 6 });
    const undo = action.undo!(p, result.output!) as { action: string; with: unknown };
    expect(undo.with).toEqual({ provider: 'proxy', admin: proxy.adminUrl, weights: { legacy: 100, new: 0 } });
    await action.execute(testActionContext(), trafficShiftParams.parse(undo.with));
    expect(await answers(proxy.url, 4)).toEqual({ legacy: 4 });
  });

  it('splits by weight while both sides are in', async () => {
    const { proxy } = await lab();
    await createTrafficShiftAction().execute(
      testActionContext(),
      trafficShiftParams.parse({
        provider: 'proxy',
        admin: proxy.adminUrl,
        weights: { legacy: 75, new: 25 },
      }),
    );
    expect(await answers(proxy.url, 8)).toEqual({ legacy: 6, new: 2 });
  });

  it('a maintenance hold keeps requests waiting, not failing, until the application is back', async () => {
    const { proxy } = await lab();
    const on = trafficMaintenanceParams.parse({
      provider: 'proxy',
      admin: proxy.adminUrl,
      page: 'hold',
      mode: 'on',
    });
    const result = await trafficMaintenanceAction.execute(testActionContext(), on);
    expect(result.output).toMatchObject({
      changed: true,
      after: { legacy: { state: 'maint' }, new: { state: 'maint' }, hold: { state: 'ready' } },
    });
    const waiting = fetch(`${proxy.url}/`).then(async (r) => ({ status: r.status, text: await r.text() }));
    await expect.poll(() => proxy.stats().held).toBe(1);
    const inverse = trafficMaintenanceAction.undo!(on, result.output!) as { with: unknown };
    await trafficMaintenanceAction.execute(testActionContext(), trafficMaintenanceParams.parse(inverse.with));
    expect(await waiting).toEqual({ status: 200, text: 'legacy' });
    expect(proxy.stats()).toMatchObject({ held: 1, unanswered: 0 });
  });

  it('a 5xx answer is sent once to the other ready server, and counted in demo_error_ratio', async () => {
    const { proxy, fresh } = await lab();
    await createTrafficShiftAction().execute(
      testActionContext(),
      trafficShiftParams.parse({ provider: 'proxy', admin: proxy.adminUrl, from: 'legacy', to: 'new' }),
    );
    fresh.failing = true;
    expect(await answers(proxy.url, 4)).toEqual({ legacy: 4 });
    expect(proxy.stats()).toMatchObject({ retried: 4, errors: { new: 4, legacy: 0 }, unanswered: 0 });
    const prom = await fetch(`${proxy.adminUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=demo_error_ratio',
    });
    const body = (await prom.json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(body.data.result[0]?.value[1])).toBe(1);
    const other = await fetch(`${proxy.adminUrl}/api/v1/query?query=up`);
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ status: 'error', error: expect.stringContaining("'up'") });
  });

  it('bad targets: an unknown server, a weight too high, a bad or unreachable admin URL — each named', async () => {
    const { proxy } = await lab();
    const action = createTrafficShiftAction();
    const run = (raw: object) => action.execute(testActionContext(), trafficShiftParams.parse(raw));
    await expect(
      run({ provider: 'proxy', admin: proxy.adminUrl, from: 'legacy', to: 'green' }),
    ).rejects.toThrow(/no server 'green'/);
    await expect(run({ provider: 'proxy', admin: proxy.adminUrl, weights: { new: 300 } })).rejects.toThrow(
      /weight 300 for 'new' is outside 0–256/,
    );
    await expect(run({ provider: 'proxy', admin: 'not a url', from: 'legacy', to: 'new' })).rejects.toThrow(
      "proxy admin 'not a url' is not a URL",
    );
    const closed = await new TrafficProxy({ servers: [] }).start();
    const deadAdmin = closed.adminUrl;
    await closed.close();
    const error = await run({ provider: 'proxy', admin: deadAdmin, from: 'legacy', to: 'new' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TminusError);
    expect((error as TminusError).code).toBe('TRAFFIC_UNREACHABLE');
    expect((error as TminusError).message).toContain(
      `cannot reach the proxy admin API at ${deadAdmin}: ECONNREFUSED`,
    );
    const unknownKey = trafficShiftParams.safeParse({
      provider: 'proxy',
      admin: proxy.adminUrl,
      socket: '/x',
      from: 'a',
      to: 'b',
    });
    expect(unknownKey.success).toBe(false);
    // Nothing was changed by the refused calls.
    expect(await answers(proxy.url, 2)).toEqual({ legacy: 2 });
  });
});
