import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSetAction } from '../../src/actions/config-set/config-set-action.js';
import { configVerifyAction } from '../../src/actions/config-verify/config-verify-action.js';
import { builtinActions } from '../../src/actions/builtin-actions.js';
import { ACTION_TYPES } from '../../src/core/action-types.js';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import type { ActionDefinition } from '../../src/engine/action.js';
import { harness } from '../support/engine-harness.js';
import { testAction } from './test-actions.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-inverse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENV = `# shop
DB_HOST=old-db.internal
DB_PASSWORD=hunter2
API_URL=https://api.legacy.example.com
`;
const secrets = { OLD_DB_PASSWORD: 'hunter2', NEW_DB_PASSWORD: 's3cret-new' };

const plan = (file: string, smoke: string) => `version: 1
name: config-cutover
roles:
  lead: { members: [alice] }
  ops: { members: [olga] }
checklist:
  config:
    - id: legacy-config
      title: The application still points at legacy
      owner: ops
      check:
        action: config.verify
        with: { store: dotenv, file: ${file}, expect: { DB_HOST: old-db.internal } }
phases:
  - id: switch
    at: T-0
    tasks:
      - id: update-config
        title: Point the application at the new database
        action: config.set
        with:
          store: dotenv
          file: ${file}
          set: { DB_HOST: new-db.internal, DB_PASSWORD: '\${env:NEW_DB_PASSWORD}', CACHE_URL: 'redis://new-cache:6379' }
          expect: { DB_HOST: old-db.internal, DB_PASSWORD: '\${env:OLD_DB_PASSWORD}', CACHE_URL: null }
      - id: config-switched
        title: The configuration reads back switched
        action: config.verify
        after: [update-config]
        with: { store: dotenv, file: ${file}, changedFrom: { DB_HOST: old-db.internal } }
      - { id: smoke, title: Smoke tests, action: t, after: [config-switched], with: ${smoke} }
  - id: later
    at: T+1h
    tasks:
      - id: api-switch
        title: Point the API at the new endpoint
        action: config.set
        with: { store: dotenv, file: ${file}, set: { API_URL: https://api.new.example.com } }
rollback:
  auto: true
  criteria: [{ id: smoke-failed, title: Smoke tests failed, task: smoke }]
  steps:
    - { id: put-config-back, title: Put the configuration back, inverse: update-config, budget: 5m }
    - { id: put-api-back, title: Put the API endpoint back, inverse: api-switch, budget: 1m }
`;

type Harness = Awaited<ReturnType<typeof harness>>;

/** Drives the virtual clock while real file I/O completes: waits for a state, not for a time. */
async function until(h: Harness, reached: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!reached()) {
    if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(h.state.steps)}`);
    await h.flush();
    const next = h.clock.nextTimerAt();
    if (next !== undefined) h.clock.advanceTo(next);
    else await new Promise((r) => setTimeout(r, 5));
  }
}
const ended = (h: Harness) => until(h, () => h.state.status === 'ended').then(() => h.state.outcome);

const actions = [
  configSetAction,
  configVerifyAction,
  testAction('t', true, []),
] as unknown as ActionDefinition<never>[];

describe('rollback step inverse: TASK', () => {
  it('undoes what config.set did in a rehearsal: the file holds the old values again, secrets never shown', async () => {
    const file = join(dir, 'rehearsal.env');
    writeFileSync(file, ENV);
    const h = await harness(plan(file, "{ ms: 1000, fail: 'NOPE!' }"), {
      actions,
      autoApprove: true,
      env: secrets,
    });
    await until(h, () => h.state.steps['config-switched']?.status === 'succeeded');
    expect(readFileSync(file, 'utf8')).toBe(
      '# shop\nDB_HOST=new-db.internal\nDB_PASSWORD=s3cret-new\nAPI_URL=https://api.legacy.example.com\nCACHE_URL=redis://new-cache:6379\n',
    );
    expect(h.state.checks['legacy-config']).toMatchObject({ ok: true });
    expect(await ended(h)).toBe('rolled-back');
    expect(readFileSync(file, 'utf8')).toBe(ENV);
    expect(h.state.steps['put-config-back']).toMatchObject({ status: 'succeeded' });
    expect(h.state.steps['put-config-back']?.summary).toBe(
      `dotenv ${file}: DB_HOST "new-db.internal" → "old-db.internal", DB_PASSWORD *** → ***, CACHE_URL "redis://new-cache:6379" → (removed)`,
    );
    expect(h.state.steps['put-api-back']).toMatchObject({
      status: 'skipped',
      reason: "task 'api-switch' never started: nothing to undo",
    });
    const journal = JSON.stringify(await h.events());
    expect(journal).not.toContain('hunter2');
    expect(journal).not.toContain('s3cret-new');
  });

  it('sends a key that already held its target back to its expected old value (an earlier attempt may have set it)', async () => {
    const file = join(dir, 'partial.env');
    const start = ENV.replace('API_URL', 'CACHE_URL=redis://new-cache:6379\nAPI_URL');
    writeFileSync(file, start);
    const h = await harness(plan(file, "{ ms: 1000, fail: 'NOPE!' }"), {
      actions,
      autoApprove: true,
      env: secrets,
    });
    await until(h, () => h.state.steps['update-config']?.status === 'succeeded');
    expect(h.state.steps['update-config']?.output).toMatchObject({
      keys: [
        { key: 'DB_HOST', changed: true },
        { key: 'DB_PASSWORD', changed: true },
        { key: 'CACHE_URL', changed: false },
      ],
    });
    expect(await ended(h)).toBe('rolled-back');
    // Recorded values for what it changed, the plan's `expect` (absent) for the key it found already set.
    expect(readFileSync(file, 'utf8')).toBe(ENV);
  });

  it('holds the step for a person when the task failed and nothing recorded says what to undo', async () => {
    const file = join(dir, 'failed.env');
    writeFileSync(file, ENV);
    const broken = join(dir, 'broken.env');
    writeFileSync(broken, 'NOT A DOTENV LINE\n');
    const text = `version: 1
name: config-failure
roles: { lead: { members: [alice] } }
phases:
  - id: switch
    at: T-0
    tasks:
      - id: update-config
        action: config.set
        with: { store: dotenv, file: ${file}, set: { DB_HOST: new-db.internal }, expect: { DB_HOST: old-db.internal } }
      - id: api-switch
        action: config.set
        after: [update-config]
        with: { store: dotenv, file: ${broken}, set: { API_URL: https://api.new.example.com } }
rollback:
  steps:
    - { id: put-config-back, title: Put the configuration back, inverse: update-config, budget: 5m }
    - { id: put-api-back, title: Put the API endpoint back, inverse: api-switch, budget: 1m }
`;
    const h = await harness(text, { actions, env: secrets });
    await until(h, () => h.state.steps['api-switch']?.status === 'held');
    await h.act('alice', { kind: 'rollback', reason: 'the API switch failed' });
    await until(h, () => h.state.steps['put-api-back']?.status === 'held');
    expect(h.state.steps['put-api-back']?.error).toEqual({
      code: 'ACTION_FAILED',
      message:
        "rollback step 'put-api-back': task 'api-switch' is abandoned without a recorded outcome, and config.set can only be undone from one: check what it changed and undo it by hand, then complete this step",
    });
    expect(h.state.steps['put-config-back']?.status).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe(ENV);
    expect(readFileSync(broken, 'utf8')).toBe('NOT A DOTENV LINE\n');
  });

  it('in a dry run, describes the undo without touching anything', async () => {
    const file = join(dir, 'dry.env');
    writeFileSync(file, ENV);
    const h = await harness(plan(file, "{ ms: 1000, fail: 'NOPE!' }"), {
      actions,
      autoApprove: true,
      dryRun: true,
      env: secrets,
    });
    await until(h, () => h.state.steps.smoke?.status === 'succeeded');
    await h.act('alice', { kind: 'rollback', reason: 'drill' });
    expect(await ended(h)).toBe('rolled-back');
    expect(h.state.steps['put-config-back']?.summary).toBe(
      `dry run: would set in dotenv ${file}: DB_PASSWORD *** → ***`,
    );
    expect(JSON.stringify(await h.events())).not.toContain('hunter2');
    expect(readFileSync(file, 'utf8')).toBe(ENV);
  });
});

describe('validation of inverse:', () => {
  const catalog = builtinActions().catalog(ACTION_TYPES);
  const issues = (rollback: string) =>
    loadPlan(
      `version: 1
name: v
roles: { ops: { members: [olga] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: set-config, action: config.set, with: { store: dotenv, file: /srv/.env, set: { A: '1' } } }
      - { id: run-script, action: shell, with: { run: ./migrate.sh } }
      - { id: by-hand, owner: ops }
rollback:
  steps:
${rollback}
`,
      { actions: catalog },
    ).issues.map(
      (i) => `${i.position?.line}:${i.position?.col} ${i.code}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`,
    );

  it('accepts a step that undoes a task whose action declares an inverse', () => {
    expect(issues('    - { id: back, title: Back, inverse: set-config, budget: 5m }')).toEqual([]);
  });

  it('names an unknown task, a manual task, an action without inverse, and a step with both', () => {
    expect(
      issues(`    - { id: a, title: A, inverse: set-confg, budget: 5m }
    - { id: b, title: B, inverse: by-hand, budget: 5m }
    - { id: c, title: C, inverse: run-script, budget: 5m }
    - { id: d, title: D, inverse: set-config, action: shell, with: { run: x }, budget: 5m }`),
    ).toEqual([
      "13:35 unknown-task: unknown task 'set-confg' (did you mean 'set-config'?)",
      "14:35 inverse-without-action: inverse: 'by-hand' is a manual task: there is no action to undo (undo it with a manual step (owner:) or an action:)",
      expect.stringMatching(
        /^15:35 no-inverse: task 'run-script' runs shell, which has no inverse \(actions with one: config\.set, .*dns\.update.*\)$/,
      ),
      "16:35 inverse-with-action: rollback step 'd' has both inverse: 'set-config' and an action (keep one: inverse runs the inverse of what the task did; action runs the call you write)",
    ]);
  });
});
