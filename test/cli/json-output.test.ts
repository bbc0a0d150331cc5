import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

/** What docs/running.md promises about `--json`: JSON Lines from `log`, errors as one JSON object on stderr. */

const dir = mkdtempSync(join(tmpdir(), 'tminus-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLAN = `version: 1
name: lines
title: JSON lines
roles: { ops: { title: Ops, members: [bob] } }
phases:
  - id: p
    at: T-0
    tasks:
      - { id: pause, title: Pause, owner: ops, action: wait, with: { duration: 1m } }
`;

describe('--json', () => {
  it('tminus log --json prints JSON Lines: one event object per line, nothing else', async () => {
    writeFileSync(join(dir, 'plan.yaml'), PLAN);
    const env = { TMINUS_STORE: join(dir, 'lines.db') };
    const run = await cli(['run', 'plan.yaml', '--rehearsal', '--speed', '1000', '--auto-approve'], {
      cwd: dir,
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    const log = await cli(['log', '--json'], { cwd: dir, env });
    expect(log.code).toBe(0);
    const lines = log.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((l) => JSON.parse(l) as { seq: number; type: string });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('run.started');
    expect(events.at(-1)?.type).toBe('run.ended');
  });

  it('puts an error on stderr as one JSON object with code and message (and hint), stdout empty', async () => {
    const bad = await cli(['log', '--json', '--store', 'mysql://root@127.0.0.1/x'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    const parsed = JSON.parse(bad.stderr) as { error: { code: string; message: string; hint?: string } };
    expect(parsed.error.code).toMatch(/^[A-Z_]+$/);
    expect(parsed.error.message).toContain('mysql://');
    const none = await cli(['status', '--json'], { cwd: mkdtempSync(join(dir, 'empty-')) });
    expect(none.code).not.toBe(0);
    expect(none.stdout).toBe('');
    expect(Object.keys((JSON.parse(none.stderr) as { error: object }).error)).toEqual(
      expect.arrayContaining(['code', 'message']),
    );
    // Without --json the same error is text.
    const text = await cli(['log', '--store', 'mysql://root@127.0.0.1/x'], { cwd: dir });
    expect(text.stderr).toMatch(/^error: /);
  });
});
