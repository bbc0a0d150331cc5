// Failed requests during a load-balancer switch, on real HAProxy and nginx from Debian, on loopback.
// Run: npx tsx bench/traffic-switch.ts   (prints a table; the "no change" rows are the lower bound of the
// same run: what the machine and the load generator lose with no switch at all).
import { trafficShiftAction, trafficShiftParams } from '../src/actions/traffic-shift/traffic-shift-action.js';
import { testActionContext } from '../test/support/action-context.js';
import { startHaproxy } from '../test/support/haproxy-server.js';
import { startHttpBackend } from '../test/support/http-backend.js';
import { runLoad, type LoadResult } from '../test/support/load-generator.js';
import { NGINX_BINARY, startNginx } from '../test/support/nginx-server.js';

const RATE = 400;
const COUNT = 2400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: string[][] = [];

async function scenario(
  name: string,
  port: number,
  during: () => Promise<void>,
  after?: () => Promise<string>,
) {
  const load = runLoad({ url: `http://127.0.0.1:${port}/`, rate: RATE, count: COUNT });
  await sleep(1000);
  await during();
  const r: LoadResult = await load;
  const kinds =
    Object.entries(r.failureKinds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-';
  rows.push([
    name,
    String(r.total),
    String(r.failures),
    `${((100 * r.failures) / r.total).toFixed(2)} %`,
    kinds,
    `${Math.round(100 * r.share('new', (COUNT / RATE) * 1000 - 500))} %`,
    after ? await after() : '',
  ]);
}

const legacy = await startHttpBackend('legacy');
const next = await startHttpBackend('new');
const ctx = testActionContext();

const lb = await startHaproxy({
  backends: {
    app: [
      { name: 'legacy', port: legacy.port, weight: 100 },
      { name: 'new', port: next.port, weight: 0 },
    ],
  },
});
const hp = (extra: Record<string, unknown>) =>
  trafficShiftParams.parse({ provider: 'haproxy', socket: lb.socketPath, backend: 'app', ...extra });
try {
  await scenario('haproxy: no change (lower bound)', lb.port, async () => {});
  await scenario('haproxy: runtime shift 10/50/100 % + drain', lb.port, async () => {
    await trafficShiftAction.execute(
      ctx,
      hp({ from: 'legacy', to: 'new', steps: [10, 50, 100], pause: '1s', drain: true }),
    );
  });
  await scenario('haproxy: 6 master-worker reloads, no state file', lb.port, async () => {
    for (let i = 0; i < 6; i++) await lb.reload();
  });
} finally {
  await lb.stop();
}

const nginx = await startNginx({
  upstream: 'app',
  upstreamConfig: `upstream app { server 127.0.0.1:${legacy.port}; keepalive 16; }\n`,
});
const ng = (extra: Record<string, unknown>) =>
  trafficShiftParams.parse({
    provider: 'nginx',
    file: nginx.upstreamFile,
    upstream: 'app',
    servers: { legacy: `127.0.0.1:${legacy.port}`, new: `127.0.0.1:${next.port}` },
    directives: ['keepalive 16'],
    nginx: NGINX_BINARY,
    args: nginx.args,
    ...extra,
  });
try {
  await trafficShiftAction.execute(ctx, ng({ weights: { legacy: 100, new: 0 } }));
  await scenario('nginx: no change (lower bound)', nginx.port, async () => {});
  await scenario('nginx: shift 10/50/100 % (3 reloads)', nginx.port, async () => {
    await trafficShiftAction.execute(
      ctx,
      ng({ from: 'legacy', to: 'new', steps: [10, 50, 100], pause: '1s' }),
    );
  });
  await scenario('nginx: 6 plain reloads', nginx.port, async () => {
    for (let i = 0; i < 6; i++) {
      await nginx.reload();
      await sleep(400);
    }
  });
} finally {
  await nginx.stop();
  await legacy.stop();
  await next.stop();
}

const header = ['scenario', 'requests', 'failed', 'rate', 'failures', 'share new (last 0.5 s)', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`open-loop load, ${RATE} req/s, ${COUNT} requests per scenario, keep-alive, loopback\n`);
console.log(line(header));
for (const r of rows) console.log(line(r));
