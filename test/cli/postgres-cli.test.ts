import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from '../support/cli.js';
import { ROOT, cli, ensureBuilt, spawnCli, waitFor } from '../support/cli.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-pg-cli-'));
let db: TestDatabase;
let env: Record<string, string>;
const spawned: Spawned[] = [];

beforeAll(async () => {
  ensureBuilt();
  copyFileSync(join(ROOT, 'test', 'fixtures', 'rehearsal.yaml'), join(dir, 'plan.yaml'));
  db = await createPostgresDatabase('tminus_cli');
  env = { TMINUS_STORE: db.url, TMINUS_TEST_OUT: join(dir, 'out.txt') };
}, 120_000);

afterAll(async () => {
  for (const s of spawned) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await Promise.all(spawned.map((s) => s.exited));
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('a run kept in the shared PostgreSQL store', () => {
  it('is driven, acted on from another terminal, killed, resumed and verified', async () => {
    const run = (args: string[]) => cli(args, { cwd: dir, env });
    const first = spawnCli(['run', 'plan.yaml'], { cwd: dir, env });
    spawned.push(first);
    await waitFor(() => first.output().includes('go-no-go: waiting'), 'the gate');
    expect(first.output()).not.toMatch(/store postgres:\/\/[^ ]*:[^*@ ]+@/);
    expect((await run(['check', '--sign', 'users-informed', '--as', 'alice'])).code).toBe(0);
    expect((await run(['vote', 'go-no-go', 'go', '--as', 'alice'])).code).toBe(0);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await run(['vote', 'go-no-go', 'go', '--as', 'bob'])).code).toBe(0);
    const resumed = spawnCli(['resume'], { cwd: dir, env });
    spawned.push(resumed);
    await waitFor(() => resumed.output().includes('executor attached'), 'resume');
    expect((await run(['vote', 'go-no-go', 'go', '--as', 'frank'])).code).toBe(0);
    await waitFor(() => resumed.output().includes('go-no-go: decided GO'), 'the decision');
    expect((await run(['abort', '--as', 'alice', '--reason', 'test over'])).code).toBe(0);
    expect(await resumed.exited).toBe(1);
    const status = JSON.parse((await run(['status', '--json'])).stdout) as {
      outcome: string;
      gates: Record<string, { votes: unknown[] }>;
    };
    expect(status.outcome).toBe('aborted');
    expect(status.gates['go-no-go']?.votes).toHaveLength(3);
    expect((await run(['audit', 'verify'])).code).toBe(0);
  }, 600_000);
});
