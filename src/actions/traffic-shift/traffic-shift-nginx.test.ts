import { readFileSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TminusError } from '../../core/tminus-error.js';
import { testActionContext } from '../../../test/support/action-context.js';
import { startHttpBackend, type HttpBackend } from '../../../test/support/http-backend.js';
import { shareOf } from '../../../test/support/load-generator.js';
import { shiftUnderLoad } from '../../../test/support/shift-under-load.js';
import { waitFor } from '../../../test/support/wait-for.js';
import { NGINX_BINARY, startNginx, type NginxServer } from '../../../test/support/nginx-server.js';
import { trafficShiftAction, trafficShiftParams, type TrafficShiftParams } from './traffic-shift-action.js';

let legacy: HttpBackend;
let next: HttpBackend;
let lb: NginxServer;

const params = (extra: Record<string, unknown>): TrafficShiftParams =>
  trafficShiftParams.parse({
    provider: 'nginx',
    file: lb.upstreamFile,
    upstream: 'app',
    servers: { legacy: `127.0.0.1:${legacy.port}`, new: `127.0.0.1:${next.port}` },
    directives: ['keepalive 16'],
    nginx: NGINX_BINARY,
    args: lb.args,
    ...extra,
  });

async function failure(promise: Promise<unknown>): Promise<TminusError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected the call to fail');
}

const fetchEnv = (path = '/') =>
  new Promise<string>((resolve, reject) => {
    get(`http://127.0.0.1:${lb.port}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(`${res.statusCode} ${String(res.headers['x-env'])}`));
    }).on('error', reject);
  });

beforeAll(async () => {
  legacy = await startHttpBackend('legacy');
  next = await startHttpBackend('new');
  lb = await startNginx({
    upstream: 'app',
    upstreamConfig: `upstream app {\n    server 127.0.0.1:${legacy.port};\n    keepalive 16;\n}\n`,
  });
  // Take ownership of the file: legacy gets everything.
  await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 100, new: 0 } }));
}, 600_000);

afterAll(async () => {
  await lb?.stop();
  await legacy?.stop();
  await next?.stop();
});

describe('traffic.shift with nginx', () => {
  it('plans from the weights in the upstream file', async () => {
    const plan = await trafficShiftAction.plan!(
      testActionContext(),
      params({ from: 'legacy', to: 'new', steps: [50, 100] }),
    );
    expect(plan.changes.map((c) => [c.target.split(' ').pop(), c.from, c.to])).toEqual([
      ['new', 'weight 0', 'weight 100'],
      ['legacy', 'weight 100', 'weight 0'],
    ]);
  });

  it('shifts in steps under keep-alive load, each step a checked reload; failures are only reload resets', async () => {
    const run = await shiftUnderLoad({
      url: `http://127.0.0.1:${lb.port}/`,
      rate: 300,
      before: 150,
      after: 300,
      shift: (ctx) =>
        trafficShiftAction.execute(
          ctx,
          params({ from: 'legacy', to: 'new', steps: [10, 50, 100], pause: '1s' }),
        ),
    });
    const { load } = run;
    expect(load.total).toBe(run.sent);
    // nginx OSS has no runtime API: each step is a reload, and idle keep-alive connections closed by the old
    // workers can race a request (nginx PR #437). Measured, reported, and the only kind of failure allowed.
    console.info(
      `nginx: 3 reloads under 300 req/s keep-alive: ${load.failures}/${load.total} failed`,
      load.failureKinds,
    );
    for (const kind of Object.keys(load.failureKinds)) expect(kind).toBe('ECONNRESET');
    // Judged by what was in force when nginx routed each request: answered before the shift began, or sent
    // after the action returned (it returns once the old workers of the last reload are gone).
    const before = load.samples.filter((s) => s.doneAt <= run.shiftStart);
    const after = load.samples.filter((s) => s.at >= run.shiftEnd);
    expect(before.filter((s) => !s.failure).length).toBeGreaterThanOrEqual(150);
    expect(after.length).toBeGreaterThanOrEqual(300);
    expect(shareOf(before, 'new')).toBe(0);
    expect(shareOf(after, 'new')).toBe(1);
    expect(readFileSync(lb.upstreamFile, 'utf8')).toContain(
      `server 127.0.0.1:${legacy.port} down; # tminus:legacy weight=0 state=ready`,
    );
  });

  it('keeps the shifted state across a plain reload, and lets in-flight requests finish', async () => {
    await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 0, new: 100 } }));
    const heldBefore = next.hitsOn('/hold');
    const inFlight = Array.from({ length: 10 }, () => fetchEnv('/hold'));
    // All ten are in flight at the new server (which answers only when released) when nginx reloads.
    await waitFor(() => next.hitsOn('/hold') === heldBefore + 10, 'the requests to reach new');
    await lb.reload();
    next.release();
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 10 }, () => '200 new'));
    expect(await fetchEnv()).toBe('200 new');
  });

  it('changes nothing (no rewrite, no reload) when the weights are already there', async () => {
    await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 0, new: 100 } }));
    const before = statSync(lb.upstreamFile).mtimeMs;
    const again = await trafficShiftAction.execute(
      testActionContext(),
      params({ weights: { legacy: 0, new: 100 } }),
    );
    expect(again.output).toMatchObject({ changed: false });
    expect(statSync(lb.upstreamFile).mtimeMs).toBe(before);
  });

  it('puts the previous file back and does not reload when nginx -t fails', async () => {
    await trafficShiftAction.execute(testActionContext(), params({ weights: { legacy: 100, new: 0 } }));
    const before = readFileSync(lb.upstreamFile, 'utf8');
    const error = await failure(
      trafficShiftAction.execute(
        testActionContext(),
        params({ weights: { legacy: 0, new: 100 }, directives: ['no_such_directive on'] }),
      ),
    );
    expect(error.code).toBe('NGINX_CONFIG_INVALID');
    expect(error.message).toContain('unknown directive "no_such_directive"');
    expect(error.hint).toContain('put back');
    expect(readFileSync(lb.upstreamFile, 'utf8')).toBe(before);
    expect(await fetchEnv()).toBe('200 legacy');
  });

  it('names a missing nginx binary', async () => {
    const error = await failure(
      trafficShiftAction.execute(
        testActionContext(),
        params({ weights: { legacy: 1, new: 99 }, nginx: '/nonexistent/nginx' }),
      ),
    );
    expect(error).toMatchObject({
      code: 'TRAFFIC_UNREACHABLE',
      message: "nginx binary '/nonexistent/nginx' not found",
    });
  });

  it('rejects weights nginx cannot take and unknown servers', async () => {
    const error = await failure(
      trafficShiftAction.execute(testActionContext(), params({ weights: { new: 5000, blue: 1 } })),
    );
    expect(error.code).toBe('TRAFFIC_BAD_TARGET');
    expect(error.message).toContain("weight 5000 for 'new' is outside 0–1000");
    expect(error.message).toContain("no server 'blue'");
  });

  it('validates nginx parameters', () => {
    const r = trafficShiftParams.safeParse({
      provider: 'nginx',
      file: '/x',
      upstream: 'bad name',
      servers: {},
      weights: { a: 1 },
    });
    expect(r.success).toBe(false);
    const messages = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toContain('upstream: an upstream name: letters, digits, _ . -');
    expect(messages).toContain('servers: name at least one server');
    const inject = trafficShiftParams.safeParse({
      provider: 'nginx',
      file: '/x',
      upstream: 'app',
      servers: { a: '127.0.0.1:80; include /etc/passwd' },
      directives: ['keepalive 16; } server { listen 81'],
      weights: { a: 1 },
    });
    const injected = inject.success
      ? []
      : inject.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(injected).toEqual([
      'servers.a: host:port or unix:/path',
      'directives.0: one directive, without { } or ; inside',
    ]);
  });
});
