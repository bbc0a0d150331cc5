import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { ensureDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Runs an instant query and returns the raw `data.result` (for waiting until a scrape landed). */
  query(promql: string): Promise<unknown[]>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's Prometheus (installed when missing) on loopback with a 1 s scrape interval over the given
 * targets (`host:port` exposing `/metrics`), its TSDB in a temp dir.
 */
export async function startPrometheus(options: {
  readonly targets: readonly string[];
}): Promise<PrometheusServer> {
  ensureDebianPackages({ prometheus: '/usr/bin/prometheus' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon({
    name: 'prometheus',
    command: '/usr/bin/prometheus',
    args: (dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    prepare: (dir) =>
      writeFileSync(
        join(dir, 'prometheus.yml'),
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'scrape_configs:',
          '  - job_name: app',
          `    static_configs: [{ targets: [${options.targets.map((t) => `'${t}'`).join(', ')}] }]`,
          '',
        ].join('\n'),
      ),
    ready: async () => (await fetch(`${url}/-/ready`)).ok,
    timeoutMs: 30_000,
  });
  return {
    url,
    port,
    dir: daemon.dir,
    output: daemon.output,
    stop: daemon.stop,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { data?: { result?: unknown[] } };
      return body.data?.result ?? [];
    },
  };
}

export interface MetricsApp {
  /** `127.0.0.1:port`, for a scrape target. */
  readonly target: string;
  /** Sets a counter or gauge sample: name with optional labels, e.g. `app_requests_total{code="500"}`. */
  set(series: string, value: number): void;
  stop(): Promise<void>;
}

/** A small app exposing `/metrics` in the Prometheus text format, with samples the test controls. */
export async function startMetricsApp(initial: Readonly<Record<string, number>> = {}): Promise<MetricsApp> {
  const samples = new Map<string, number>(Object.entries(initial));
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const names = new Set([...samples.keys()].map((k) => k.replace(/\{.*$/, '')));
    const lines = [...names].flatMap((name) => [
      `# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`,
      ...[...samples.entries()].filter(([k]) => k.replace(/\{.*$/, '') === name).map(([k, v]) => `${k} ${v}`),
    ]);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (series, value) => void samples.set(series, value),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
