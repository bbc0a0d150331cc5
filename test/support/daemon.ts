import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';

export interface Daemon {
  readonly pid: number;
  readonly dir: string;
  /** Output so far, for failure messages. */
  output(): string;
  /** Stops the process by PID (SIGTERM, then SIGKILL after 3 s) and removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts a server binary in the foreground as a child of the test, in its own temp dir, and waits until a
 * TCP or UDP-adjacent readiness check passes. Every test server (BIND, Knot, HAProxy, nginx, Prometheus, …)
 * goes through here so none outlives its test.
 */
export async function startDaemon(options: {
  readonly name: string;
  readonly command: string;
  readonly args: (dir: string) => readonly string[];
  /** Write config files before start. */
  readonly prepare?: (dir: string) => void;
  /** Resolves true once the server is ready; polled every 100 ms for up to `timeoutMs`. */
  readonly ready: () => Promise<boolean>;
  readonly timeoutMs?: number;
}): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `tminus-${options.name}-`));
  options.prepare?.(dir);
  const child: ChildProcess = spawn(options.command, [...options.args(dir)], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited && child.pid) {
      child.kill('SIGTERM');
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await options.ready().catch(() => false)) {
      return { pid: child.pid!, dir, output: () => log, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${options.name} did not become ready${exited ? ' (it exited)' : ''}:\n${log}`);
}

/** Readiness check: something accepts TCP connections on 127.0.0.1:port. */
export function tcpReady(port: number): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
}
