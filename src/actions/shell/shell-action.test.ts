import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../core/plan/load-plan.js';
import { TminusError } from '../../core/tminus-error.js';
import { Redactor } from '../../engine/redactor.js';
import { runAction } from '../../engine/run-action.js';
import { SystemClock } from '../../engine/system-clock.js';
import { ActionRegistry } from '../action-registry.js';
import { shellAction } from './shell-action.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registry = new ActionRegistry().register(shellAction);
const { plan } = loadPlan(
  'version: 1\nname: s\nroles: { ops: { members: [bob] } }\nphases: [{ id: p, at: T-0, tasks: [{ id: a, owner: ops }] }]\n',
);

function run(
  params: Record<string, unknown>,
  options: {
    timeoutMs?: number;
    env?: Record<string, string>;
    signal?: AbortSignal;
    redactor?: Redactor;
  } = {},
) {
  return runAction({
    plan: plan!,
    call: { action: 'shell', with: params, timeoutMs: options.timeoutMs },
    actions: registry,
    clock: new SystemClock(),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    redactor: options.redactor ?? new Redactor(),
    secrets: { env: options.env ?? {}, baseDir: dir },
    signal: options.signal ?? new AbortController().signal,
    attempt: 1,
    dryRun: false,
    run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: 0, stepId: 'a', stepTitle: 'A' },
  });
}

describe('the shell action', () => {
  it('runs a command with /bin/sh, its env and cwd, and keeps the end of its output', async () => {
    const r = await run({
      run: 'echo "$GREETING from $(pwd)"; echo warn >&2',
      env: { GREETING: 'hello' },
      cwd: dir,
    });
    expect(r.summary).toBe(`exit 0: hello from ${dir}`);
    expect(r.output).toMatchObject({ exitCode: 0, stdoutTail: `hello from ${dir}\n`, stderrTail: 'warn\n' });
  });

  it('fails on a non-zero exit code with the last line of stderr', async () => {
    const e = await run({ run: 'echo "connection refused" >&2; exit 7' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TminusError);
    expect((e as TminusError).code).toBe('ACTION_FAILED');
    expect((e as TminusError).message).toBe('command failed (exit code 7): connection refused');
  });

  it('keeps only the tail of a long output', async () => {
    const r = await run({ run: 'seq 1 20000' });
    const tail = r.output?.stdoutTail as string;
    expect(tail.length).toBeLessThanOrEqual(4100);
    expect(tail.startsWith('…')).toBe(true);
    expect(tail.trimEnd().endsWith('20000')).toBe(true);
  });

  it('resolves secret references in env and masks their values in output and errors', async () => {
    const redactor = new Redactor();
    const r = await run(
      { run: 'echo "token is $TOKEN"', env: { TOKEN: '${env:API_TOKEN}' } },
      { env: { API_TOKEN: 'tok-98765' }, redactor },
    );
    expect(r.output?.stdoutTail).toBe('token is ***\n');
    expect(r.summary).toBe('exit 0: token is ***');
    const e = (await run(
      { run: 'echo "bad $TOKEN" >&2; exit 1', env: { TOKEN: '${env:API_TOKEN}' } },
      { env: { API_TOKEN: 'tok-98765' }, redactor },
    ).catch((x: unknown) => x)) as TminusError;
    expect(e.message).toBe('command failed (exit code 1): bad ***');
  });

  // Every character a POSIX shell gives meaning to, plus the injection from issue #10.
  const NASTY =
    'pa$$w0rd; echo INJECTED > injected.txt && touch pwned | cat || true & $(touch sub) `touch tick` ' +
    '"dq" \'sq\' \\bs *glob ?x [ab] ~home #hash !bang {a,b} (sub) <in >out 2>&1 %p ^c =e\nnewline\ttab';

  it('never lets a shell parse a secret: the value reaches the command intact, as an environment variable', async () => {
    const redactor = new Redactor();
    const out = join(dir, 'received.txt');
    const r = await run(
      {
        run: `printf '%s' "$PW" > ${out}; printf 'connecting with %s\\n' "$PW"`,
        env: { PW: '${env:PW}' },
        cwd: dir,
      },
      { env: { PW: NASTY }, redactor },
    );
    expect(readFileSync(out, 'utf8')).toBe(NASTY);
    for (const f of ['injected.txt', 'pwned', 'sub', 'tick', 'out']) {
      expect(existsSync(join(dir, f))).toBe(false);
    }
    expect(r.output?.stdoutTail).toBe('connecting with ***\n');
  });

  it('refuses a secret reference inside the command line before anything runs, with the rewrite as the hint', async () => {
    const e = (await run({ run: 'echo connecting with ${env:PW}', cwd: dir }, { env: { PW: NASTY } }).catch(
      (x: unknown) => x,
    )) as TminusError;
    expect(e.code).toBe('SECRET_IN_COMMAND');
    expect(e.retryable).toBe(false);
    expect(e.hint).toContain(`run: 'echo connecting with "\${PW}"' with env: { PW: '\${env:PW}' }`);
    expect(`${e.message} ${e.hint}`).not.toContain('pa$$w0rd');
    expect(existsSync(join(dir, 'injected.txt'))).toBe(false);
  });

  it('fails with SECRET_UNRESOLVED, running nothing, when a referenced secret is unset or empty', async () => {
    const marker = join(dir, 'ran-anyway');
    writeFileSync(join(dir, 'empty.secret'), '\n');
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ DB: '${env:LEGACY_DB_URL}' }, {}],
      [{ DB: '${env:LEGACY_DB_URL}' }, { LEGACY_DB_URL: '' }],
      [{ DB: '${file:empty.secret}' }, {}],
    ];
    for (const [env, processEnv] of cases) {
      const e = (await run({ run: `touch ${marker}`, env }, { env: processEnv }).catch(
        (x: unknown) => x,
      )) as TminusError;
      expect(e.code).toBe('SECRET_UNRESOLVED');
      expect(e.message).toMatch(/\$\{env:LEGACY_DB_URL\} is (not set|empty)|empty\.secret is empty/);
      expect(existsSync(marker)).toBe(false);
    }
  });

  it('kills the whole process group at the timeout, children included', async () => {
    const marker = join(dir, 'child-survived');
    const started = Date.now();
    const e = (await run({ run: `(sleep 1.5; touch ${marker}) & sleep 30` }, { timeoutMs: 300 }).catch(
      (x: unknown) => x,
    )) as TminusError;
    expect(e.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 2000));
    expect(existsSync(marker)).toBe(false);
  });

  it('stops when the run aborts the step', async () => {
    const controller = new AbortController();
    const pending = run({ run: 'sleep 30' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new TminusError('ABORTED', 'the run ended')), 100);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses an empty command and unknown parameters as invalid, without retrying', async () => {
    await expect(run({ run: '' })).rejects.toMatchObject({ code: 'INVALID_PARAMS', retryable: false });
    await expect(run({ run: 'true', shell: 'bash' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('is not idempotent and describes itself for a dry run', async () => {
    expect(shellAction.idempotent).toBe(false);
    const p = await shellAction.plan!({} as never, { run: 'systemctl stop app' });
    expect(p.summary).toBe('would run: systemctl stop app');
    const file = join(dir, 'never');
    const dry = await runAction({
      plan: plan!,
      call: { action: 'shell', with: { run: `touch ${file}` }, timeoutMs: undefined },
      actions: registry,
      clock: new SystemClock(),
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
      redactor: new Redactor(),
      secrets: { env: {}, baseDir: dir },
      signal: new AbortController().signal,
      attempt: 1,
      dryRun: true,
      run: { runId: 'r', mode: 'rehearsal', comms: 'off', goLiveMs: 0, stepId: 'a', stepTitle: 'A' },
    });
    expect(dry.summary).toBe(`dry run: would run: touch ${file}`);
    expect(existsSync(file)).toBe(false);
  });
});
