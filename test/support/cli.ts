import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { buildOnce } from './build-once.js';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'tminus.js');

function newest(dir: string): number {
  let max = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    max = Math.max(max, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return max;
}

/** Whether `dir` is missing or older than the newest file of src/. */
function stale(dir: string): boolean {
  try {
    return newest(dir) < newest(join(ROOT, 'src'));
  } catch {
    return true;
  }
}

/**
 * Builds dist/ (the modules, then the CLI bundle `bin/tminus.js` loads) when src/ is newer, so tests can spawn
 * the real `bin/tminus.js`; once, however many test processes ask at the same time.
 */
export function ensureBuilt(): void {
  buildOnce(
    'dist',
    ROOT,
    () => !stale(join(ROOT, 'dist')),
    () => execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' }),
  );
  buildOnce(
    'bundle',
    ROOT,
    () => !stale(join(ROOT, 'dist', 'bundle')),
    () =>
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.js')], {
        cwd: ROOT,
        stdio: 'ignore',
      }),
  );
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs the CLI in this process (fast) and captures what it prints. */
export async function cli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    cwd: options.cwd,
    env: { PATH: process.env.PATH, ...options.env },
    now: () => Date.now(),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Where journal keys and witnesses go (vitest.config.ts points it at a temp dir): same as this process. */
const journalHome = (): Record<string, string> =>
  process.env.XDG_CONFIG_HOME ? { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME } : {};

/** Starts `node bin/tminus.js ARGS` as a real process. */
export function spawnCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...journalHome(), ...options.env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export { WAIT_MS, waitFor, waitWhileProgressing } from './wait-for.js';
