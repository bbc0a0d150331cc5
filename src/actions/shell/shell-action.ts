import { spawn } from 'node:child_process';
import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionDefinition } from '../../engine/action.js';

/** How much of stdout/stderr is kept as evidence: the end, where errors are. */
const TAIL_BYTES = 4096;
/** Time a command gets between SIGTERM and SIGKILL once aborted. */
const KILL_GRACE_MS = 2000;

const shellParams = z.strictObject({
  run: z.string().min(1, { error: 'run: the command to run cannot be empty' }),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
});
export type ShellParams = z.infer<typeof shellParams>;

/** Keeps only the last `TAIL_BYTES` of a stream. */
class Tail {
  #text = '';
  #truncated = false;
  push(chunk: Buffer): void {
    this.#text += chunk.toString('utf8');
    if (this.#text.length > TAIL_BYTES * 2) {
      this.#text = this.#text.slice(-TAIL_BYTES);
      this.#truncated = true;
    }
  }
  get text(): string {
    const t = this.#text.length > TAIL_BYTES ? this.#text.slice(-TAIL_BYTES) : this.#text;
    return (this.#truncated || this.#text.length > TAIL_BYTES ? '…' : '') + t;
  }
}

/**
 * Runs a command with `/bin/sh -c` in its own process group, so a timeout or abort stops the whole pipeline
 * (SIGTERM, then SIGKILL). Exit code 0 succeeds; anything else fails with the redacted end of stderr.
 * Not idempotent unless the task says so: a command's effects are unknown to tminus.
 */
export const shellAction: ActionDefinition<ShellParams> = {
  type: 'shell',
  description: 'runs a shell command (/bin/sh -c) with env, cwd and a timeout; exit code 0 succeeds',
  params: shellParams,
  idempotent: false,
  plan(_ctx, p) {
    return Promise.resolve({
      summary: `would run: ${p.run}`,
      changes: [{ target: 'shell', note: p.run }],
    });
  },
  execute(ctx, p) {
    return new Promise((resolve, reject) => {
      const started = ctx.clock.now();
      const child = spawn('/bin/sh', ['-c', p.run], {
        cwd: p.cwd,
        env: { ...process.env, ...p.env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout = new Tail();
      const stderr = new Tail();
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      let killTimer: NodeJS.Timeout | undefined;
      const killGroup = (signal: NodeJS.Signals) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch (error) {
          // ESRCH: the group is already gone, which is what we wanted.
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
            ctx.logger.warn(`kill failed: ${String(error)}`);
          }
        }
      };
      const onAbort = () => {
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new TminusError('ACTION_FAILED', `cannot start /bin/sh: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, signal) => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        const output = {
          exitCode: code,
          signal,
          durationMs: ctx.clock.now() - started,
          stdoutTail: ctx.redact(stdout.text),
          stderrTail: ctx.redact(stderr.text),
        };
        if (ctx.signal.aborted) {
          const reason: unknown = ctx.signal.reason;
          reject(reason instanceof TminusError ? reason : new TminusError('ABORTED', 'command aborted'));
        } else if (code === 0) {
          resolve({ summary: `exit 0${stdout.text ? `: ${lastLine(output.stdoutTail)}` : ''}`, output });
        } else {
          const why = signal ? `killed by ${signal}` : `exit code ${code}`;
          const detail = lastLine(output.stderrTail) || lastLine(output.stdoutTail);
          reject(new TminusError('ACTION_FAILED', `command failed (${why})${detail ? `: ${detail}` : ''}`));
        }
      });
    });
  },
};

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)?.slice(0, 200) ?? '';
