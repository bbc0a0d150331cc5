import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicReplace } from './atomic-replace.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const module = fileURLToPath(new URL('./atomic-replace.ts', import.meta.url));

describe('atomicReplace under SIGKILL', () => {
  it('leaves the old file whole when the writing process is killed between the temp write and the rename', async () => {
    const path = join(dir, 'app.env');
    const old = 'A=1\nB=2\n'.repeat(1000);
    writeFileSync(path, old);
    // The child writes the new content to its temp file, says so, and waits to be killed before the rename.
    const script = `
      import { readFileSync } from 'node:fs';
      const { atomicReplace } = await import(${JSON.stringify(module)});
      await atomicReplace(${JSON.stringify(path)}, 'A=NEW\\n', {
        expected: readFileSync(${JSON.stringify(path)}),
        beforeRename: () => { process.stdout.write('temp-written\\n'); return new Promise(() => {}); },
      });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('temp-written') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before writing: ${err}`)));
    });
    const temps = readdirSync(dir).filter((f) => f.includes('.tminus-'));
    expect(temps).toHaveLength(1);
    expect(readFileSync(join(dir, temps[0]!), 'utf8')).toBe('A=NEW\n');
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    process.kill(child.pid!, 'SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(readFileSync(path, 'utf8')).toBe(old);
    // A later write is not disturbed by the orphaned temp file.
    await atomicReplace(path, 'A=2\n', { expected: Buffer.from(old) });
    expect(readFileSync(path, 'utf8')).toBe('A=2\n');
  }, 60_000);
});
