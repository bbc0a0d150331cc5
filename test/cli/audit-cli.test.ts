import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../support/cli.js';
import { ROOT, cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-audit-'));
const store = join(dir, '.tminus', 'tminus.db');
const env = { TMINUS_STORE: store, TMINUS_TEST_OUT: join(dir, 'out.txt') };
const run = (args: string[]) => cli(args, { cwd: dir, env });
const spawned: Spawned[] = [];

beforeAll(() => {
  ensureBuilt();
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'plan.yaml'));
}, 120_000);
afterAll(async () => {
  for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await Promise.all(spawned.map((s) => s.exited));
  rmSync(dir, { recursive: true, force: true });
});

function tamper(sql: string): void {
  const db = new Database(store);
  db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
  db.exec(sql);
  db.close();
}

describe('one executor per run, and the audit trail', () => {
  it('refuses a second executor for a run that is being driven', async () => {
    const first = spawnCli(['run', 'plan.yaml', '--speed', '50'], { cwd: dir, env });
    spawned.push(first);
    await waitFor(() => first.output().includes('go-no-go: waiting'), 20_000, 'the gate');
    const second = await run(['resume']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/is being driven by another tminus \(pid \d+ on /);
    first.child.kill('SIGTERM');
    await first.exited;
  });

  it('rehearses the plan end to end, in a dry run, with the status and log readable afterwards', async () => {
    const before = Date.now();
    const r = await run([
      'run',
      'plan.yaml',
      '--speed',
      '5000',
      '--auto-approve',
      '--dry-run',
      '--go-live',
      'now+2h',
      // the run the test before left unfinished (its executor was stopped) is still in the store
      '--concurrent',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('backup: succeeded — dry run: would run: sleep 0.3;');
    expect(r.stdout).toContain('run ended: COMPLETED');
    const status = await run(['status', '--json']);
    const json = JSON.parse(status.stdout) as { outcome: string; dryRun: boolean; goLiveMs: number };
    expect(json).toMatchObject({ outcome: 'completed', dryRun: true });
    expect(json.goLiveMs).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(json.goLiveMs).toBeLessThan(Date.now() + 2 * 3_600_000);
    const log = await run(['log', '--json']);
    const lines = log.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor: string });
    expect(lines[0]?.type).toBe('run.started');
    expect(lines.filter((l) => l.actor === 'auto').length).toBeGreaterThan(0);
  }, 30_000);

  it('verifies an intact journal and detects an edited event and a deleted one', async () => {
    expect((await run(['audit', 'verify'])).code).toBe(0);
    tamper(`UPDATE events SET data = replace(data, '"auto-approve"', '"votes"') WHERE type = 'gate.decided'`);
    const edited = await run(['audit', 'verify']);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/TAMPERED .*\n {2}event \d+: content changed after it was written/);
    tamper(`DELETE FROM events WHERE seq = (SELECT max(seq) FROM events WHERE type = 'step.started')`);
    const deleted = await run(['audit', 'verify', '--json']);
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toMatch(/event \d+ deleted \(missing from the journal\)/);
  }, 30_000);

  it('warns loudly in `tminus log` before a journal that does not verify', async () => {
    const verdicts = JSON.parse((await run(['audit', 'verify', '--json'])).stdout) as {
      runId: string;
      findings: { kind: string }[];
    }[];
    const tampered = verdicts.find((v) => v.findings.some((f) => f.kind === 'changed'))!.runId;
    const log = await run(['log', '--run', tampered]);
    expect(log.code).toBe(0);
    expect(log.stderr).toMatch(
      /\nWARNING: this journal does not verify — it was altered after it was written\n {2}event \d+: content changed/,
    );
    expect(log.stderr).toContain('tminus audit verify --run');
    const json = await run(['log', '--json', '--run', tampered]);
    expect(json.stderr).toContain('WARNING: this journal does not verify');
    expect(() =>
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).not.toThrow();
  }, 30_000);

  it('calls a store copied to a machine without its key unverifiable, never intact', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tminus-elsewhere-'));
    try {
      const fresh = join(dir, 'fresh');
      const r = await cli(['run', join(dir, 'plan.yaml'), '--speed', '5000', '--auto-approve', '--dry-run'], {
        cwd: dir,
        env: { TMINUS_STORE: join(fresh, 'tminus.db'), TMINUS_TEST_OUT: join(dir, 'out.txt') },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(
        (await cli(['audit', 'verify'], { cwd: dir, env: { TMINUS_STORE: join(fresh, 'tminus.db') } }))
          .stdout,
      ).toMatch(
        /^ok .*: \d+ events, keyed hash chain intact \(key [0-9a-f]{16}, witnessed up to event \d+\)/,
      );
      copyFileSync(join(fresh, 'tminus.db'), join(other, 'tminus.db'));
      const there = spawnCli(['audit', 'verify', '--store', join(other, 'tminus.db')], {
        cwd: other,
        env: { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'tminus-elsewhere-config-')) },
      });
      spawned.push(there);
      expect(await there.exited).toBe(1);
      expect(there.output()).toMatch(
        /^UNVERIFIABLE .*: \d+ events\n {2}unverifiable: key missing — the journal is sealed with key [0-9a-f]{16}, which is not on this machine/,
      );
      expect(there.output()).not.toMatch(/intact/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
