import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryKeyring } from './journal-key.js';
import { JournalWitness } from './journal-witness.js';

const key = memoryKeyring().forNewStore();
const lines = (w: JournalWitness): string[] =>
  existsSync(w.path) ? readFileSync(w.path, 'utf8').trim().split('\n').filter(Boolean) : [];
const dirs: string[] = [];
const witness = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-witness-'));
  dirs.push(dir);
  return new JournalWitness(join(dir, 'witness'), 'store1');
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the journal witness, written off the append path', () => {
  it('writes the furthest committed head of each run a moment later, one line each', async () => {
    const w = witness();
    w.record('r1', 1, 'h1', key);
    w.record('r1', 2, 'h2', key);
    w.record('r2', 1, 'g1', key);
    expect(lines(w)).toEqual([]); // may lag: nothing written yet
    await vi.waitFor(() =>
      expect(lines(w).map((l) => JSON.parse(l) as { run: string; seq: number })).toEqual([
        expect.objectContaining({ run: 'r1', seq: 2, hash: 'h2' }),
        expect.objectContaining({ run: 'r2', seq: 1, hash: 'g1' }),
      ]),
    );
    w.close();
  });

  it('reads what is pending (never behind its own process) and writes it on close', () => {
    const w = witness();
    w.record('r1', 3, 'h3', key);
    expect(w.read('r1', key).head).toEqual({ seq: 3, hash: 'h3' });
    w.record('r1', 4, 'h4', key);
    w.close();
    expect(new JournalWitness(join(w.path, '..'), 'store1').read('r1', key).head).toEqual({
      seq: 4,
      hash: 'h4',
    });
  });

  it('lags by a bounded number of heads when the appending code never yields', () => {
    const w = witness();
    for (let seq = 1; seq <= 200; seq++) w.record('r1', seq, `h${seq}`, key);
    const written = lines(w).map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(Math.max(...written)).toBeGreaterThan(200 - 64);
    w.close();
  });

  it('opens the witness again when it was removed meanwhile', () => {
    const w = witness();
    w.record('r1', 1, 'h1', key);
    w.flush();
    rmSync(w.path);
    w.record('r1', 2, 'h2', key);
    w.flush();
    expect(lines(w)).toHaveLength(1);
    expect(w.read('r1', key).head).toEqual({ seq: 2, hash: 'h2' });
    w.close();
  });

  it('writes what is pending when the process exits before its turn (process.exit on a closed pipe)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tminus-witness-'));
    dirs.push(dir);
    const script = join(dir, 'exit.ts');
    const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
    writeFileSync(
      script,
      [
        `import { memoryKeyring } from ${JSON.stringify(here('./journal-key.ts'))};`,
        `import { JournalWitness } from ${JSON.stringify(here('./journal-witness.ts'))};`,
        `const w = new JournalWitness(${JSON.stringify(join(dir, 'witness'))}, 'store1');`,
        `w.record('r1', 7, 'h7', memoryKeyring().forNewStore());`,
        'process.exit(0);',
      ].join('\n'),
    );
    execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'pipe' });
    const written = readFileSync(join(dir, 'witness', 'store1.witness'), 'utf8')
      .trim()
      .split('\n');
    expect(written.map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ run: 'r1', seq: 7, hash: 'h7' }),
    ]);
  });
});
