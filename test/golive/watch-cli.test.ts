import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/run/run-event.js';
import { foldRun } from '../../src/core/run/run-state.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Spawned } from '../support/cli.js';
import { cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';
import { startErrorRateApp, type ErrorRateApp } from '../support/error-rate-app.js';

/*
 * The go-live watch's doors on the command line, against a real `tminus run` process whose monitor checks a
 * small web app the test makes fail: declare, decide, declare success, rollback --override, and what
 * `tminus status` shows of monitors and pending decisions.
 */

const root = mkdtempSync(join(tmpdir(), 'tminus-watch-cli-'));
let app: ErrorRateApp;
const spawned: Spawned[] = [];

const watchPlan = (url: string) => `version: 1
name: watch-cli
window: { start: T-1h, end: T+3h }
roles:
  lead: { members: [alice] }
  ops: { members: [bob] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: switch-traffic, title: Switch traffic, owner: ops, estimate: 10m }
monitors:
  - id: health
    title: The new side answers
    action: http.check
    with: { url: '${url}', expect: { status: 200 }, timeout: 5s }
    interval: 1s
    from: T-0
    until: T+2h
rollback:
  decisionDeadline: 1h
  default: continue
  criteria:
    - { id: errors, title: The new side fails, monitor: health }
    - { id: security, title: Security finding, when: manual }
  steps:
    - { id: declare, title: Declare the rollback, owner: lead, budget: 5m }
`;

/** A directory with a plan and its own store; `tminus` run there in this process. */
function workspace(name: string, plan: string) {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'plan.yaml'), plan);
  const store = join(dir, '.tminus', 'tminus.db');
  const env = { TMINUS_STORE: store };
  let created = false;
  const journal = async (): Promise<readonly RunEvent[]> => {
    if (!existsSync(store)) return [];
    let s: SqliteStore;
    try {
      s = SqliteStore.open(store, { readonly: true });
    } catch (e) {
      if (created) throw e;
      return []; // `tminus run` is still creating the store
    }
    try {
      const runs = await s.listRuns();
      created = runs.length > 0;
      return runs[0] ? s.readEvents(runs[0].runId) : [];
    } finally {
      await s.close();
    }
  };
  return {
    dir,
    env,
    journal,
    tminus: (args: readonly string[]) => cli(args, { cwd: dir, env }),
    start: (args: readonly string[]) => {
      const p = spawnCli(['run', 'plan.yaml', ...args], { cwd: dir, env });
      spawned.push(p);
      return p;
    },
  };
}

const stateOf = (events: readonly RunEvent[]) => (events.length === 0 ? undefined : foldRun(events));
const ofType = (events: readonly RunEvent[], type: string) => events.filter((e) => e.data.type === type);

beforeAll(async () => {
  ensureBuilt();
  app = await startErrorRateApp({ rps: 5 });
}, 300_000);

afterAll(async () => {
  for (const p of spawned) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(spawned.map((p) => p.exited));
  await app?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('tminus declare / decide during the go-live watch', () => {
  const w = workspace('watch', watchPlan(`http://127.0.0.1:${0}/`));

  beforeAll(async () => {
    writeFileSync(join(w.dir, 'plan.yaml'), watchPlan(app.url));
    app.setErrorRate(0);
    w.start([]);
    await waitFor(
      async () => ofType(await w.journal(), 'monitor.measured').length >= 2,
      'two measurements of the health monitor',
    );
  }, 300_000);

  it('refuses bad input with the value quoted, the right exit code, and nothing appended', async () => {
    const before = (await w.journal()).filter((e) => e.data.type !== 'monitor.measured').length;
    const cases: [string[], number, string][] = [
      [
        ['declare', 'secrity', '--reason', 'x', '--as', 'alice'],
        2,
        "no rollback criterion 'secrity' in plan 'watch-cli'",
      ],
      [['declare', 'secrity', '--reason', 'x', '--as', 'alice'], 2, "did you mean 'security'?"],
      [['declare', 'security', '--as', 'alice'], 2, 'a declaration needs a reason'],
      [['declare', 'security', '--reason', '   ', '--as', 'alice'], 2, 'a declaration needs a reason'],
      [['declare', 'security', '--reason', 'x', '--as', 'bob'], 1, 'bob may not declare a criterion'],
      [
        ['declare', 'security', '--reason', 'x', '--as', 'mallory'],
        1,
        "'mallory' is not a member of any role",
      ],
      [['declare', 'security', '--reason', 'x'], 2, '--as PERSON'],
      [['declare', 'errors', '--reason', 'x', '--as', 'alice'], 1, "criterion 'errors' is judged by tminus"],
      [['declare', 'success', '--as', 'alice'], 2, 'declaring success before the monitors agree'],
      [
        ['decide', 'errors', 'maybe', '--reason', 'x', '--as', 'alice'],
        2,
        "decide: 'maybe' is not a decision",
      ],
      [['decide', 'eror', 'continue', '--reason', 'x', '--as', 'alice'], 2, "no rollback criterion 'eror'"],
      [
        ['decide', 'errors', 'continue', '--reason', 'x', '--as', 'alice'],
        1,
        "criterion 'errors' has not fired",
      ],
      [['decide', 'errors', 'continue', '--reason', 'x', '--as', 'bob'], 1, 'bob may not decide'],
      [['decide', 'errors'], 2, ''],
    ];
    for (const [args, code, message] of cases) {
      const r = await w.tminus(args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('bug in tminus');
    }
    const after = (await w.journal()).filter((e) => e.data.type !== 'monitor.measured').length;
    expect(after).toBe(before);
  });

  it('status shows each monitor with its phase, last measurement and verdict', async () => {
    const r = await w.tminus(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /monitors\n {2}▶ health +running +\d+ ok, 0 failed, 0 inconclusive, 0 errors {2}last #\d+ at T\+\d+s = 200: successful/,
    );
    expect(r.stdout).toMatch(/next at T\+\d+s/);
    const json = JSON.parse((await w.tminus(['status', '--json'])).stdout) as {
      watch: { monitors: { id: string; phase: string; last: { outcome: string } }[]; pending: unknown[] };
    };
    expect(json.watch.monitors[0]).toMatchObject({
      id: 'health',
      phase: 'running',
      last: { outcome: 'successful' },
    });
    expect(json.watch.pending).toEqual([]);
  });

  it('asks the lead when the monitor fails; status shows the decision with its deadline and default; the lead carries on', async () => {
    app.setErrorRate(1);
    await waitFor(
      async () => ofType(await w.journal(), 'decision.asked').length === 1,
      'the lead to be asked',
    );
    const asked = ofType(await w.journal(), 'decision.asked')[0]!;
    const fired = ofType(await w.journal(), 'criterion.fired')[0]!;
    expect(asked.data).toMatchObject({
      criterionId: 'errors',
      default: 'continue',
      deadlineAtMs: fired.atMs + 3_600_000,
    });

    const status = await w.tminus(['status']);
    expect(status.stdout).toMatch(/! health +failed/);
    expect(status.stdout).toMatch(
      /DECISION PENDING on errors \(failed, fired at T\+\d+s\): monitor 'health' is failed .* — deadline T\+1h\d*s? \(in [\dhms ]+\), then continue/,
    );
    expect(status.stdout).toContain('tminus decide errors rollback|continue --reason');
    const json = JSON.parse((await w.tminus(['status', '--json'])).stdout) as {
      watch: { pending: { criterionId: string; deadlineAtMs: number; default: string }[] };
    };
    expect(json.watch.pending).toEqual([
      expect.objectContaining({
        criterionId: 'errors',
        default: 'continue',
        deadlineAtMs: fired.atMs + 3_600_000,
      }),
    ]);

    const decided = await w.tminus([
      'decide',
      'errors',
      'continue',
      '--reason',
      'a known batch job',
      '--as',
      'alice',
    ]);
    expect(decided.stderr).not.toContain('error:');
    expect(decided.code).toBe(0);
    expect(decided.stdout).toContain('decision on errors: CONTINUE by alice (person) — a known batch job');
    const made = ofType(await w.journal(), 'decision.made');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      actor: 'alice',
      data: { basis: 'person', decision: 'continue', origin: { via: 'cli' } },
    });

    const again = await w.tminus([
      'decide',
      'errors',
      'rollback',
      '--reason',
      'changed my mind',
      '--as',
      'alice',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("criterion 'errors' was already decided: continue by alice");
    expect((await w.tminus(['status'])).stdout).not.toContain('DECISION PENDING');
  });

  it('a declared security finding asks the lead, whose rollback decision starts the rollback', async () => {
    const d = await w.tminus([
      'declare',
      'security',
      '--reason',
      'CVE in the new TLS stack',
      '--as',
      'alice',
    ]);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('criterion security declared by alice: CVE in the new TLS stack');
    await waitFor(
      async () =>
        ofType(await w.journal(), 'decision.asked').some(
          (e) => e.data.type === 'decision.asked' && e.data.criterionId === 'security',
        ),
      'the lead to be asked about the declaration',
    );
    const twice = await w.tminus(['declare', 'security', '--reason', 'again', '--as', 'alice']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("criterion 'security' has already fired");

    const r = await w.tminus(['decide', 'security', 'rollback', '--reason', 'patch first', '--as', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('decision on security: ROLLBACK by alice (person) — patch first');
    const state = foldRun(await w.journal());
    expect(state.rollback).toMatchObject({ by: 'alice', criterionId: 'security' });
    const late = await w.tminus(['declare', 'success', '--reason', 'all fine', '--as', 'alice']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('the run is rolling back');
  });
});

describe('tminus rollback --override after the point of no return', () => {
  // Rollback budget 2h in a window ending T+3h: the point of no return is T+1h, and T-0 was 90 minutes ago.
  const w = workspace(
    'override',
    `version: 1
name: late-rollback
window: { start: T-1h, end: T+3h }
roles:
  lead: { members: [alice] }
phases:
  - id: switch
    at: T-0
    tasks:
      - { id: switch-traffic, title: Switch traffic, owner: lead, estimate: 10m }
rollback:
  steps:
    - { id: restore, title: Restore the old database, owner: lead, budget: 2h }
`,
  );

  beforeAll(async () => {
    const p = w.start(['--go-live', 'now-90m']);
    await waitFor(
      async () => stateOf(await w.journal())?.steps['switch-traffic']?.status === 'waiting',
      'the task to wait',
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${p.output()}`);
    });
  }, 300_000);

  it('refuses a rollback without --override, then without a reason, then records the override', async () => {
    const plain = await w.tminus(['rollback', '--reason', 'data corruption', '--as', 'alice']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('the point of no return passed at T+1h');
    expect(plain.stderr).toContain('--override');
    const noReason = await w.tminus(['rollback', '--override', '--as', 'alice']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('a rollback needs a reason');
    expect(ofType(await w.journal(), 'rollback.started')).toHaveLength(0);

    const r = await w.tminus(['rollback', '--override', '--reason', 'data corruption', '--as', 'alice']);
    expect(r.code).toBe(0);
    const started = ofType(await w.journal(), 'rollback.started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ actor: 'alice', data: { reason: 'data corruption', override: true } });
    expect(r.stdout).toContain(
      'ROLLBACK started by alice (override after the point of no return): data corruption',
    );
  });
});
