import { readFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext, systemClock } from '../../../test/support/action-context.js';
import { freePort } from '../../../test/support/free-port.js';
import { startHaproxy, type HaproxyServer } from '../../../test/support/haproxy-server.js';
import { startHttpBackend, type HttpBackend } from '../../../test/support/http-backend.js';
import { shareOf } from '../../../test/support/load-generator.js';
import { shiftUnderLoad } from '../../../test/support/shift-under-load.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { HaproxyRuntime } from '../shared/traffic/haproxy-runtime.js';
import { trafficShiftAction, trafficShiftParams, type TrafficShiftParams } from './traffic-shift-action.js';

/** The TminusError a call rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected the call to fail');
}

let legacy: HttpBackend;
let next: HttpBackend;
let lb: HaproxyServer;
let deadPort: number;

const params = (extra: Record<string, unknown>): TrafficShiftParams =>
  trafficShiftParams.parse({ provider: 'haproxy', socket: lb.socketPath, backend: 'app', ...extra });

/** Weight/state of legacy and new (and of the dead server when asked). */
const state = async (withDead = false) => {
  const rows = await new HaproxyRuntime({ socket: lb.socketPath }).serversState('app');
  return Object.fromEntries(
    rows.filter((r) => withDead || r.server !== 'dead').map((r) => [r.server, `${r.weight}/${r.state}`]),
  );
};

async function reset() {
  await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 100, new: 0 } }));
  const rt = new HaproxyRuntime({ socket: lb.socketPath });
  await rt.mustSucceed('set server app/legacy state ready');
  await rt.mustSucceed('set server app/new state ready');
}

beforeAll(async () => {
  legacy = await startHttpBackend('legacy');
  next = await startHttpBackend('new');
  deadPort = await freePort();
  lb = await startHaproxy({
    backends: {
      app: [
        { name: 'legacy', port: legacy.port, weight: 100 },
        { name: 'new', port: next.port, weight: 0 },
        // Nothing listens there: its health check never passes.
        { name: 'dead', port: deadPort, weight: 0, disabled: true },
      ],
    },
    stateFile: true,
  });
}, 600_000);

afterAll(async () => {
  await lb?.stop();
  await legacy?.stop();
  await next?.stop();
});

describe('traffic.shift with the HAProxy runtime API', () => {
  it('plans the change from the current weights to the target without changing anything', async () => {
    await reset();
    const plan = await trafficShiftAction.plan!(
      testActionContext(),
      params({ from: 'legacy', to: 'new', steps: [10, 100] }),
    );
    expect(plan.summary).toContain('in 2 steps (10 % to new → 100 % to new)');
    expect(plan.changes).toEqual([
      { target: `haproxy backend app via ${lb.socketPath} server new`, from: 'weight 0', to: 'weight 100' },
      {
        target: `haproxy backend app via ${lb.socketPath} server legacy`,
        from: 'weight 100',
        to: 'weight 0',
      },
    ]);
    expect(await state()).toEqual({ legacy: '100/ready', new: '0/ready' });
  });

  it('sets weights, reads them back, and setting the same weights again changes nothing', async () => {
    await reset();
    const ctx = testActionContext();
    const first = await trafficShiftAction.execute(ctx, params({ weights: { legacy: 30, new: 70 } }));
    expect(first.output).toMatchObject({
      changed: true,
      after: { legacy: { weight: 30 }, new: { weight: 70 } },
    });
    expect(await state()).toEqual({ legacy: '30/ready', new: '70/ready' });
    const again = await trafficShiftAction.execute(ctx, params({ weights: { legacy: 30, new: 70 } }));
    expect(again.output).toMatchObject({ changed: false });
    expect(again.summary).toContain('already at target');
  });

  it('sets admin states directly (drain, maint, ready), alone or with weights', async () => {
    await reset();
    await trafficShiftAction.execute(testActionContext(), params({ states: { legacy: 'drain' } }));
    expect(await state()).toEqual({ legacy: '100/drain', new: '0/ready' });
    await trafficShiftAction.execute(
      testActionContext(),
      params({ weights: { new: 50 }, states: { legacy: 'maint' } }),
    );
    expect(await state()).toEqual({ legacy: '100/maint', new: '50/ready' });
    await trafficShiftAction.execute(testActionContext(), params({ states: { legacy: 'ready' } }));
    expect(await state()).toEqual({ legacy: '100/ready', new: '50/ready' });
  });

  it('works over a TCP stats socket too', async () => {
    await reset();
    const p = trafficShiftParams.parse({
      provider: 'haproxy',
      address: lb.adminAddress,
      backend: 'app',
      weights: { new: 5 },
    });
    await trafficShiftAction.execute(testActionContext(), p);
    expect(await state()).toMatchObject({ new: '5/ready' });
  });

  it('finds the runtime API through a haproxy connection (unix:// or tcp://)', async () => {
    await reset();
    const ctx = testActionContext({
      connections: {
        lb: { name: 'lb', kind: 'haproxy', url: `unix://${lb.socketPath}`, options: {} },
        lbtcp: { name: 'lbtcp', kind: 'haproxy', url: `tcp://${lb.adminAddress}`, options: {} },
        db: { name: 'db', kind: 'postgres', url: 'postgres://x', options: {} },
      },
    });
    const viaConnection = (connection: string, weight: number) =>
      trafficShiftAction.execute(
        ctx,
        trafficShiftParams.parse({
          provider: 'haproxy',
          connection,
          backend: 'app',
          weights: { new: weight },
        }),
      );
    await viaConnection('lb', 7);
    expect(await state()).toMatchObject({ new: '7/ready' });
    await viaConnection('lbtcp', 8);
    expect(await state()).toMatchObject({ new: '8/ready' });
    const error = await failure(viaConnection('db', 9));
    expect(error.message).toBe(
      "connection 'db' (postgres) is not a haproxy runtime API url (unix:///path or tcp://host:port)",
    );
  });

  it('shifts in steps and drains legacy under load with zero failed requests while the new share rises', async () => {
    await reset();
    const run = await shiftUnderLoad({
      url: `http://127.0.0.1:${lb.port}/`,
      rate: 400,
      before: 200,
      after: 400,
      answeredPerPause: 200,
      shift: (ctx) =>
        trafficShiftAction.execute(
          ctx,
          params({ from: 'legacy', to: 'new', steps: [10, 50, 100], pause: '1s', drain: true }),
        ),
    });
    const { load, shiftStart, shiftEnd } = run;
    expect(load.total).toBe(run.sent);
    expect(load.failureKinds).toEqual({});
    expect(load.failures).toBe(0);
    // Each request is judged by what was in force when HAProxy routed it: answered before the shift began,
    // sent after the 10 % step served and answered before the pause that follows it ended, sent after the end.
    const before = load.samples.filter((s) => s.doneAt <= shiftStart);
    const tenPercent = run.logged.find((m) => m.message.startsWith('traffic.shift 10 % to new'));
    // The pause after the 10 % step (a sleep before it, e.g. waiting for the new server to report serving on a
    // loaded machine, is not that pause).
    const pause = run.pauses.find((p) => tenPercent !== undefined && p.from >= tenPercent.at);
    expect(tenPercent).toBeDefined();
    expect(pause).toBeDefined();
    const duringTen = load.samples.filter((s) => s.at >= tenPercent!.at && s.doneAt <= pause!.to);
    const after = load.samples.filter((s) => s.at >= shiftEnd);
    expect(before.length).toBeGreaterThanOrEqual(200);
    expect(duringTen.length).toBeGreaterThanOrEqual(50);
    expect(after.length).toBeGreaterThanOrEqual(400);
    expect(shareOf(before, 'new')).toBe(0);
    expect(shareOf(duringTen, 'new')).toBeGreaterThan(0.02);
    expect(shareOf(duringTen, 'new')).toBeLessThan(0.25);
    expect(shareOf(after, 'new')).toBe(1);
    expect(await state()).toEqual({ legacy: '0/drain', new: '100/ready' });
    expect(run.result.output).toMatchObject({ changed: true });
  });

  it('drains legacy and waits until its in-flight requests have finished, which all succeed', async () => {
    await reset();
    const heldBefore = legacy.hitsOn('/hold');
    const inFlight = Array.from(
      { length: 8 },
      () =>
        new Promise<string>((resolve, reject) => {
          get(`http://127.0.0.1:${lb.port}/hold`, { agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(`${res.statusCode} ${String(res.headers['x-env'])}`));
          }).on('error', reject);
        }),
    );
    // All eight are in flight at legacy before the drain starts; legacy answers them only when released.
    await waitFor(() => legacy.hitsOn('/hold') === heldBefore + 8, 'the requests to reach legacy');
    // Released once the action, past its only step, has looked at the open sessions and started waiting.
    let stepServed = false;
    const base = testActionContext();
    const ctx = {
      ...base,
      logger: { ...base.logger, info: () => void (stepServed = true) },
      clock: {
        now: systemClock.now,
        sleep: (ms: number, signal?: AbortSignal) => {
          if (stepServed) legacy.release();
          return systemClock.sleep(ms, signal);
        },
      },
    };
    const result = await trafficShiftAction.execute(
      ctx,
      params({ from: 'legacy', to: 'new', drain: true, drainWait: '2m' }),
    );
    const drain = (result.output as { drain: { open: number; waitedMs: number } }).drain;
    expect(drain.open).toBe(0);
    expect(drain.waitedMs).toBeGreaterThan(0);
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 8 }, () => '200 legacy'));
    expect(await state()).toEqual({ legacy: '0/drain', new: '100/ready' });
  });

  it('stops at a failed check and puts back the weights of the last good step', async () => {
    await reset();
    let calls = 0;
    const checker: Server = createServer((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 200 : 503).end();
    });
    await new Promise<void>((r) => checker.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(checker.address() as AddressInfo).port}/healthz`;
    try {
      const error = await trafficShiftAction
        .execute(
          testActionContext(),
          params({ from: 'legacy', to: 'new', steps: [10, 50, 100], check: { url } }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TminusError);
      expect((error as TminusError).code).toBe('TRAFFIC_CHECK_FAILED');
      expect((error as TminusError).message).toContain('after step 2/3 (50 % to new)');
      expect((error as TminusError).message).toContain('status 503, expected 200');
      expect(await state()).toEqual({ legacy: '90/ready', new: '10/ready' });
    } finally {
      checker.close();
    }
  });

  it('puts back the last good weights when a to server never passes its health check', async () => {
    await reset();
    const error = await failure(
      trafficShiftAction.execute(
        testActionContext(),
        params({ from: 'legacy', to: 'dead', steps: [10, 100], readyTimeout: '2s' }),
      ),
    );
    expect(error.code).toBe('TRAFFIC_NOT_APPLIED');
    expect(error.message).toContain('dead not serving after 2 s');
    expect(error.message).toContain('put back the starting weights');
    expect((await state(true)).dead).toBe('0/maint');
    expect((await state()).legacy).toBe('100/ready');
  });

  it('keeps runtime weights across a reload through the server-state file', async () => {
    await reset();
    await trafficShiftAction.execute(
      testActionContext(),
      params({ weights: { legacy: 20, new: 80 }, stateFile: lb.stateFilePath }),
    );
    expect(readFileSync(lb.stateFilePath!, 'utf8')).toMatch(/ app \d+ new 127\.0\.0\.1 \d+ \d+ 80 /);
    await lb.reload();
    expect(await state()).toEqual({ legacy: '20/ready', new: '80/ready' });
  });

  it('loses runtime weights on reload when the state file is not saved (why stateFile exists)', async () => {
    await reset();
    await trafficShiftAction.execute(
      testActionContext(),
      params({ weights: { legacy: 100, new: 0 }, stateFile: lb.stateFilePath }),
    );
    await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 40, new: 60 } }));
    await lb.reload();
    expect(await state()).toEqual({ legacy: '100/ready', new: '0/ready' });
  });

  it('names the missing socket', async () => {
    const error = await failure(
      trafficShiftAction.execute(
        testActionContext(),
        trafficShiftParams.parse({
          provider: 'haproxy',
          socket: '/nonexistent/admin.sock',
          backend: 'app',
          weights: { new: 1 },
        }),
      ),
    );
    expect(error).toMatchObject({ code: 'TRAFFIC_UNREACHABLE' });
    expect(error.message).toContain('/nonexistent/admin.sock');
    expect(error.message).toContain('ENOENT');
    expect(error.hint).toContain('stats socket');
  });

  it('names an unknown backend, unknown servers and out-of-range weights without changing anything', async () => {
    await reset();
    const ctx = testActionContext();
    const noBackend = await failure(
      trafficShiftAction.execute(ctx, params({ backend: 'nope', weights: { new: 1 } })),
    );
    expect(noBackend).toMatchObject({ code: 'TRAFFIC_BAD_TARGET', message: "HAProxy has no backend 'nope'" });
    const bad = await failure(trafficShiftAction.execute(ctx, params({ weights: { new: 300, green: 1 } })));
    expect(bad.code).toBe('TRAFFIC_BAD_TARGET');
    expect(bad.message).toContain("weight 300 for 'new' is outside 0–256");
    expect(bad.message).toContain("no server 'green'");
    expect(bad.hint).toContain('legacy, new');
    expect(await state()).toEqual({ legacy: '100/ready', new: '0/ready' });
  });

  it('drafts the inverse as an immediate shift back', () => {
    const p = params({ from: 'legacy', to: 'new', steps: [10, 100], drain: true, pause: '30s' });
    expect(trafficShiftAction.inverse!(p)).toEqual({
      action: 'traffic.shift',
      with: { provider: 'haproxy', socket: lb.socketPath, backend: 'app', from: 'new', to: 'legacy' },
    });
    expect(trafficShiftAction.inverse!(params({ weights: { new: 1 } }))).toBeUndefined();
  });
});
