import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { ensureDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

export interface EtcdServer {
  /** The client URL, e.g. http://127.0.0.1:23791. */
  readonly url: string;
  readonly pid: number;
  /** Puts a key directly through the v3 JSON gateway (a concurrent writer in tests). */
  put(key: string, value: string): Promise<void>;
  /** A key's value, undefined when absent. */
  get(key: string): Promise<string | undefined>;
  output(): string;
  stop(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Starts Debian's etcd (package etcd-server, installed when missing) on loopback, its data in a temp dir. */
export async function startEtcd(): Promise<EtcdServer> {
  ensureDebianPackages({ 'etcd-server': '/usr/bin/etcd' });
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`etcd ${path}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const daemon = await startDaemon({
    name: 'etcd',
    command: '/usr/bin/etcd',
    args: (dir) => [
      '--name=tminus-test',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=tminus-test=http://127.0.0.1:${peerPort}`,
      '--log-level=warn',
      '--logger=zap',
    ],
    ready: async () => (await fetch(`${url}/health`)).ok,
    timeoutMs: 60_000,
  });
  return {
    url,
    pid: daemon.pid,
    put: async (key, value) => void (await post('/v3/kv/put', { key: b64(key), value: b64(value) })),
    get: async (key) => {
      const out = (await post('/v3/kv/range', { key: b64(key) })) as { kvs?: { value?: string }[] };
      const kv = out.kvs?.[0];
      return kv ? Buffer.from(kv.value ?? '', 'base64').toString() : undefined;
    },
    output: daemon.output,
    stop: daemon.stop,
  };
}
