import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePlanChanges, planChanges, planFingerprint } from '../../src/core/plan/plan-fingerprint.js';
import { parsePlanSource } from '../../src/core/plan/plan-source.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli } from '../support/cli.js';

/** All automated, so a live run with T-0 now ends by itself within a second or two of wall time. */
const PLAN = `version: 1
name: gated
goLive: 2026-12-05T02:00:00Z # the live runs below override it
window: { start: T-1h, end: T+1h }
roles:
  lead: { members: [alice] }
phases:
  - id: go
    at: T-0
    tasks:
      - id: settle
        title: Let things settle
        owner: lead
        action: wait
        with: { duration: 1s }
        estimate: 1s
rollback:
  steps:
    - { id: declare, title: Declare, owner: lead, budget: 5m }
`;

const fingerprint = (text: string) => planFingerprint(parsePlanSource(text).value);

describe('plan fingerprint', () => {
  it('ignores comments, layout, goLive and the description; names every edited, added and removed part', () => {
    const same = PLAN.replace('# the live runs below override it', '# moved')
      .replace('2026-12-05T02:00:00Z', '2027-01-09T03:00:00Z')
      .replace('name: gated\n', 'name: gated\ndescription: reworded\n')
      .replace('{ duration: 1s }', '{   duration: "1s" }');
    expect(fingerprint(same).canonical).toBe(fingerprint(PLAN).canonical);

    const edited = PLAN.replace('duration: 1s', 'duration: 2s')
      .replace(
        '        estimate: 1s\n',
        '        estimate: 1s\n      - { id: smoke, title: Smoke, owner: lead, action: wait, with: { duration: 1s } }\n',
      )
      .replace(
        '    - { id: declare, title: Declare, owner: lead, budget: 5m }\n',
        '    - { id: tell, title: Tell, owner: lead, budget: 5m }\n',
      );
    const changes = planChanges(fingerprint(PLAN), fingerprint(edited));
    expect(changes).toEqual({
      added: ['rollback step tell', 'task smoke'],
      removed: ['rollback step declare'],
      edited: ['phase go', 'rollback', 'task settle'],
    });
    expect(describePlanChanges(changes)).toBe(
      'added rollback step tell, task smoke; edited phase go, rollback, task settle; removed rollback step declare',
    );
  });
});

describe('live runs gated on a rehearsal of the same plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tminus-gate-'));
  const store = join(dir, 'runs.db');
  const run = (args: string[]) => cli(['run', 'plan.yaml', '--store', store, ...args], { cwd: dir });
  const live = (extra: string[] = []) => run(['--live', '--go-live', 'now', ...extra]);
  const rehearse = () => run(['--rehearsal', '--speed', '1000', '--auto-approve']);
  const runs = async () => {
    const s = SqliteStore.open(store);
    try {
      return await Promise.all((await s.listRuns()).map(async (r) => foldRun(await s.readEvents(r.runId))));
    } finally {
      await s.close();
    }
  };

  it('warns without a rehearsal, and refuses under --require-rehearsal with nothing recorded', async () => {
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const refused = await live(['--require-rehearsal']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no rehearsal of this plan ended completed or rolled back');
    expect(refused.stderr).toContain('hint: rehearse this version first (tminus run plan.yaml --rehearsal)');
    expect(await runs()).toEqual([]);

    const warned = await live();
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: no rehearsal of this plan ended completed or rolled back');
    const [liveRun] = await runs();
    expect(liveRun).toMatchObject({ mode: 'live', outcome: 'completed' });
    expect(liveRun!.rehearsal).toBeUndefined();
    expect(liveRun!.planHash).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('matches a completed rehearsal of the same plan, records it, and status shows it', async () => {
    expect((await rehearse()).code).toBe(0);
    const r = await live(['--require-rehearsal']);
    expect(r.code).toBe(0);
    const rehearsal = (await runs()).find((s) => s.mode === 'rehearsal')!;
    expect(r.stderr).toContain(`rehearsed: run ${rehearsal.runId} of this exact plan ended completed`);
    const newest = (await runs())
      .filter((s) => s.mode === 'live')
      .sort((a, b) => b.startedAtMs - a.startedAtMs)[0]!;
    expect(newest.rehearsal).toEqual({ runId: rehearsal.runId, outcome: 'completed' });
    expect(newest.planHash).toBe(rehearsal.planHash);
    const status = await cli(['status', '--store', store, '--run', newest.runId], { cwd: dir });
    expect(status.stdout).toContain(`rehearsed: run ${rehearsal.runId} of this exact plan ended completed`);
  }, 60_000);

  it('refuses an edited plan under live.requireRehearsal, naming what changed, until it is rehearsed', async () => {
    const edited = readFileSync(join(dir, 'plan.yaml'), 'utf8')
      .replace('duration: 1s', 'duration: 2s')
      .replace('window:', 'live: { requireRehearsal: true }\nwindow:');
    writeFileSync(join(dir, 'plan.yaml'), edited);
    const before = (await runs()).length;
    const refused = await live();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the plan changed: added live; edited task settle/);
    expect((await runs()).length).toBe(before);

    // A dry run does not count, nor does an aborted rehearsal: only a real one that ended cleanly.
    expect((await run(['--rehearsal', '--dry-run', '--speed', '1000', '--auto-approve'])).code).toBe(0);
    expect((await live()).code).toBe(1);
    expect((await rehearse()).code).toBe(0);
    expect((await live()).code).toBe(0);
  }, 90_000);

  it('accepts a rehearsal from another store with --rehearsals-from, and refuses a missing one clearly', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tminus-gate-other-'));
    writeFileSync(join(other, 'plan.yaml'), PLAN.replace('name: gated', 'name: gated-two'));
    const otherStore = join(other, 'rehearsals.db');
    const inOther = (args: string[]) =>
      cli(['run', 'plan.yaml', '--store', otherStore, ...args], { cwd: other });
    expect((await inOther(['--rehearsal', '--speed', '1000', '--auto-approve'])).code).toBe(0);
    const freshStore = join(other, 'fresh.db');
    const fresh = (args: string[]) =>
      cli(['run', 'plan.yaml', '--store', freshStore, ...args], { cwd: other });
    expect((await fresh(['--live', '--go-live', 'now', '--require-rehearsal'])).code).toBe(1);
    const ok = await fresh([
      '--live',
      '--go-live',
      'now',
      '--require-rehearsal',
      '--rehearsals-from',
      'rehearsals.db',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('of this exact plan ended completed');
    const missing = await fresh(['--live', '--go-live', 'now', '--rehearsals-from', 'nope.db']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.db');
  }, 90_000);
});
