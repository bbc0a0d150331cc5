import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../../src/demo/run-demo.js';
import { ensureBuilt, ROOT } from '../support/cli.js';

/*
 * The demo as a newcomer runs it: the real `bin/tminus.js demo --headless`, one process per variant, its
 * result read from --json. Each variant waits only on its own end (the demo is event-driven: the simulated
 * team acts on the run's events), so a loaded machine makes it slower, never different.
 */
const BIN = join(ROOT, 'bin', 'tminus.js');
const dirs: string[] = [];

beforeAll(() => ensureBuilt(), 600_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function demo(
  args: readonly string[],
): Promise<{ code: number | null; result: DemoResult; narrative: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-demo-test-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [BIN, 'demo', '--headless', '--json', '--dir', dir, ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      ...(process.env.XDG_CONFIG_HOME ? { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME } : {}),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      try {
        resolve({ code, result: JSON.parse(stdout) as DemoResult, narrative: stderr });
      } catch (error) {
        reject(
          new Error(`demo ${args.join(' ')} exited ${code} without a JSON result:\n${stdout}\n${stderr}`, {
            cause: error,
          }),
        );
      }
    }),
  );
}

const VARIANT_MS = 180_000;

describe('tminus demo --headless', () => {
  it(
    'completes: users end on the new version, the data carried and identical, no user request failed',
    async () => {
      const { code, result, narrative } = await demo([]);
      expect(result.problems).toEqual([]);
      expect(code).toBe(0);
      expect(result.outcome).toBe('completed');
      expect(result.users.failed).toBe(0);
      expect(result.users.requests).toBeGreaterThan(50);
      // Users were on both sides, the switch held some of them during maintenance, and new took writes.
      expect(result.users.servedBy.legacy).toBeGreaterThan(0);
      expect(result.users.servedBy.new).toBeGreaterThan(0);
      expect(result.proxy.unanswered).toBe(0);
      expect(result.writes.new).toBeGreaterThan(0);
      expect(result.replicated).toBeGreaterThanOrEqual(10);
      expect(result.dataValidation).toMatchObject({
        ok: true,
        summary: 'customers: identical; orders: identical',
      });
      expect(result.finalWeights).toEqual({ legacy: 0, new: 100 });
      expect(result.rollback).toBeUndefined();
      // The go/no-go was four people voting through the run session, not an auto-approval.
      const voters = result.team.filter((t) => t.what === 'votes go on go-no-go').map((t) => t.person);
      expect(voters.sort()).toEqual(['alice', 'bob', 'carol', 'erin']);
      expect(narrative).toMatch(/war room +http:\/\/127\.0\.0\.1:\d+/);
      expect(narrative).toContain('DEMO OK');
      expect(narrative).toContain(`report: ${result.reportPath}`);
      // The review tminus report writes: one self-contained HTML file and its Markdown beside it.
      const report = readFileSync(result.reportPath, 'utf8');
      expect(result.reportPath).toMatch(/report\.html$/);
      expect(report).toContain(`Run ${result.runId} · rehearsal · completed`);
      expect(report).toContain('Outcome and summary');
      expect(report).not.toMatch(/<script|\s(?:src|href)=["']?https?:/);
      const markdown = readFileSync(result.reportPath.replace(/\.html$/, '.md'), 'utf8');
      expect(markdown).toContain('switch-traffic');
    },
    VARIANT_MS,
  );

  it(
    '--fault error-spike: the error-rate monitor fires and the run rolls back by itself; users never see an error',
    async () => {
      const { code, result } = await demo(['--fault', 'error-spike']);
      expect(result.problems).toEqual([]);
      expect(code).toBe(0);
      expect(result.outcome).toBe('rolled-back');
      expect(result.rollback).toMatchObject({ by: 'system', criterion: 'errors' });
      expect(result.users.failed).toBe(0);
      // The failures happened (new answered 5xx) and the proxy answered them from legacy.
      expect(result.proxy.errors.new).toBeGreaterThan(0);
      expect(result.proxy.retried).toBeGreaterThan(0);
      expect(result.finalWeights).toEqual({ legacy: 100, new: 0 });
    },
    VARIANT_MS,
  );

  it(
    '--fault data-drift: the comparison reports the differing rows and the run rolls back before the switch',
    async () => {
      const { code, result } = await demo(['--fault', 'data-drift']);
      expect(result.problems).toEqual([]);
      expect(code).toBe(0);
      expect(result.outcome).toBe('rolled-back');
      expect(result.rollback).toMatchObject({ criterion: 'data-differs' });
      expect(result.dataValidation?.ok).toBe(false);
      // Every order created before maintenance reached new without its total: that many rows differ.
      const changed = Number(/orders: (\d+) changed/.exec(result.dataValidation?.summary ?? '')?.[1]);
      expect(changed).toBeGreaterThan(0);
      const reconciliation = readFileSync(result.dataValidation!.report, 'utf8');
      expect(reconciliation).toContain('total_cents');
      expect(result.users.failed).toBe(0);
      expect(result.users.servedBy.new ?? 0).toBe(0);
      expect(result.finalWeights).toEqual({ legacy: 100, new: 0 });
    },
    VARIANT_MS,
  );

  it(
    '--fault slow-task: the final sync is held for its owner, who restarts the replication and retries; then completed',
    async () => {
      const { code, result } = await demo(['--fault', 'slow-task']);
      expect(result.problems).toEqual([]);
      expect(code).toBe(0);
      expect(result.holds).toEqual([
        expect.objectContaining({
          step: 'final-sync',
          reason: expect.stringContaining('$.running is false'),
        }),
      ]);
      expect(result.team).toContainEqual({ person: 'carol', what: 'retries final-sync' });
      expect(result.outcome).toBe('completed');
      expect(result.users.failed).toBe(0);
      expect(result.dataValidation?.ok).toBe(true);
    },
    VARIANT_MS,
  );
});
