import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-start-'));
const HEAVY = ['@aws-sdk/', 'cloudflare', 'pg', 'mysql2', 'nodemailer'];

/** Runs the built CLI with a module-resolution hook and returns the packages (under node_modules) it loaded. */
function packagesLoaded(args: string[], name: string): { code: number | null; packages: Set<string> } {
  const trace = join(dir, `${name}.txt`);
  const r = spawnSync(
    process.execPath,
    ['--import', join(ROOT, 'test', 'support', 'module-trace.mjs'), join(ROOT, 'bin', 'tminus.js'), ...args],
    {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', TMINUS_MODULE_TRACE: trace },
      timeout: 60_000,
    },
  );
  const packages = new Set<string>();
  for (const url of readFileSync(trace, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  return { code: r.status, packages };
}

const heavyIn = (packages: Set<string>) =>
  [...packages].filter((p) => HEAVY.some((h) => (h.endsWith('/') ? p.startsWith(h) : p === h)));

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI start', () => {
  it('`tminus --version` loads neither the cloud SDKs nor the database or mail drivers', () => {
    const { code, packages } = packagesLoaded(['--version'], 'version');
    expect(code).toBe(0);
    expect(packages).toContain('commander'); // the trace sees packages at all
    expect(heavyIn(packages)).toEqual([]);
  });

  it('the trace sees them when a command does load every action (`tminus actions`)', () => {
    const { code, packages } = packagesLoaded(['actions'], 'actions');
    expect(code).toBe(0);
    expect(heavyIn(packages)).toEqual(
      expect.arrayContaining(['@aws-sdk/client-route-53', 'cloudflare', 'pg']),
    );
  });
});
