import { spawn } from 'node:child_process';
import type { ActionContext } from '../../engine/action.js';
import { withDeadline } from '../action-deadline.js';

/** Output kept per stream: the end of it, where runners print their totals. */
const TAIL_BYTES = 256 * 1024;

export interface SuiteRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Keeps the last `TAIL_BYTES` of a stream. */
function tailCollector() {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk: Buffer) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > TAIL_BYTES && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
    },
    text() {
      const all = Buffer.concat(chunks);
      chunks = [all];
      return all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('utf8');
    },
  };
}

/**
 * Runs a command with /bin/sh in its own process group, so a timeout or an abort stops the whole suite
 * (the runner and every browser or worker it started): SIGTERM first, SIGKILL after a grace period.
 */
export function runSuite(
  ctx: ActionContext,
  command: string,
  options: { cwd?: string; env?: Readonly<Record<string, string>>; timeoutMs: number; graceMs: number },
): Promise<SuiteRun> {
  return withDeadline(
    ctx,
    options.timeoutMs,
    `smoke suite '${ctx.redact(command).slice(0, 60)}'`,
    (signal) =>
      new Promise<SuiteRun>((resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', command], {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const stdout = tailCollector();
        const stderr = tailCollector();
        child.stdout.on('data', (c: Buffer) => stdout.push(c));
        child.stderr.on('data', (c: Buffer) => stderr.push(c));
        const killGroup = (sig: NodeJS.Signals) => {
          if (child.pid === undefined || child.exitCode !== null) return;
          try {
            process.kill(-child.pid, sig);
          } catch (error) {
            ctx.logger.debug('smoke: the suite had already exited', { error: String(error) });
          }
        };
        const onAbort = () => {
          killGroup('SIGTERM');
          void (ctx.realClock ?? ctx.clock).sleep(options.graceMs).then(() => killGroup('SIGKILL'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        child.once('error', (error) => reject(error));
        child.once('close', (exitCode, sig) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ exitCode, signal: sig, stdout: stdout.text(), stderr: stderr.text() });
        });
      }),
  );
}
