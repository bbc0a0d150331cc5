import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionFailure, testActionContext } from '../../../test/support/action-context.js';
import { smokeAction, smokeParams } from './smoke-action.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tminus-smoke-'));
  const suite = (failing: boolean) => `import test from 'node:test';
import assert from 'node:assert';
test('home page loads', () => {});
test('checkout works', () => { assert.strictEqual(${failing ? 1 : 2}, 2, 'cart total mismatch'); });
test('login', { skip: 'no test user' }, () => {});
`;
  writeFileSync(join(dir, 'good.test.mjs'), suite(false));
  writeFileSync(join(dir, 'bad.test.mjs'), suite(true));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const smoke = (input: Record<string, unknown>, ctx = testActionContext()) =>
  smokeAction.execute(ctx, smokeParams.parse({ cwd: dir, ...input }));
describe('smoke', () => {
  it('passes a real node --test suite and records its TAP counts', async () => {
    const result = await smoke({ run: 'node --test --test-reporter=tap good.test.mjs' });
    expect(result.output).toMatchObject({
      exitCode: 0,
      format: 'tap',
      passed: 2,
      failed: 0,
      skipped: 1,
      failures: [],
    });
    expect(result.summary).toMatch(/^smoke suite passed: 2 passed, 0 failed, 1 skipped \(tap, exit 0, /);
  });

  it('fails a suite with a failing test, naming it', async () => {
    const error = await actionFailure(smoke({ run: 'node --test --test-reporter=tap bad.test.mjs' }));
    expect(error.code).toBe('SMOKE_FAILED');
    expect(error.message).toBe(
      'smoke suite failed (1 passed, 1 failed, 1 skipped): exit code 1; 1 failed: checkout works',
    );
  });

  it('reads a JUnit report the suite writes, with failure messages', async () => {
    const run = 'node --test --test-reporter=junit --test-reporter-destination=report.xml';
    const ok = await smoke({ run: `${run} good.test.mjs`, junit: 'report.xml' });
    expect(ok.output).toMatchObject({ format: 'junit', passed: 2, failed: 0, skipped: 1 });
    const error = await actionFailure(smoke({ run: `${run} bad.test.mjs`, junit: 'report.xml' }));
    expect(error.message).toContain('1 failed: test.checkout works');
  });

  it('refuses a JUnit report that this run did not write', async () => {
    writeFileSync(join(dir, 'stale.xml'), '<testsuite><testcase name="old"/></testsuite>');
    const stale = await actionFailure(smoke({ run: 'true', junit: 'stale.xml' }));
    expect(stale.message).toContain('was not rewritten by this run (stale report)');
    const missing = await actionFailure(smoke({ run: 'exit 3', junit: 'never.xml' }));
    expect(missing.message).toBe(
      `the JUnit report ${join(dir, 'never.xml')} was not written (the suite exited 3)`,
    );
  });

  it('parses a plain totals line and keeps failing names from pytest-style output', async () => {
    const script =
      "printf 'FAILED tests/test_cart.py::test_total - AssertionError\\n=== 4 passed, 1 failed in 1.2s ===\\n'; exit 1";
    const error = await actionFailure(smoke({ run: script }));
    expect(error.message).toBe(
      'smoke suite failed (4 passed, 1 failed): exit code 1; 1 failed: tests/test_cart.py::test_total',
    );
    const ok = await smoke({ run: "echo '12 passed, 0 failed'" });
    expect(ok.output).toMatchObject({ format: 'summary-line', passed: 12, failed: 0 });
  });

  it('fails a suite that exits 0 but reports failures, or runs too few tests', async () => {
    const lying = await actionFailure(smoke({ run: "echo '3 passed, 2 failed'" }));
    expect(lying.message).toBe('smoke suite failed (3 passed, 2 failed): 2 failed');
    const empty = await actionFailure(smoke({ run: "echo '0 passed, 0 failed'" }));
    expect(empty.message).toContain('only 0 passed, fewer than minPassed 1');
  });

  it('falls back to the exit code when no summary is recognised, showing the last output', async () => {
    const ok = await smoke({ run: 'echo all fine' });
    expect(ok.summary).toMatch(/^smoke suite passed: no test summary recognised \(exit-code, exit 0/);
    const error = await actionFailure(smoke({ run: 'echo boom >&2; exit 4' }));
    expect(error.message).toBe(
      'smoke suite failed (no test summary recognised): exit code 4; last output: boom',
    );
  });

  it('stops the whole process group when the suite runs past its timeout', async () => {
    const marker = join(dir, 'survived');
    const error = await actionFailure(smoke({ run: `(sleep 2; touch ${marker}) & sleep 30`, timeout: 300 }));
    expect(error.code).toBe('TIMEOUT');
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  it('passes env to the suite and keeps secret values out of the evidence', async () => {
    const ctx = testActionContext({ secrets: ['tok-41d2'] });
    const result = await smoke(
      { run: 'echo "using $API_TOKEN"; echo "1 passed, 0 failed"', env: { API_TOKEN: 'tok-41d2' } },
      ctx,
    );
    expect(result.output?.outputTail).toBe('using ***\n1 passed, 0 failed');
    expect(JSON.stringify(result)).not.toContain('tok-41d2');
  });

  it('plans without running anything', async () => {
    const plan = await smokeAction.plan!(
      testActionContext(),
      smokeParams.parse({ run: 'npm run smoke', junit: 'r.xml' }),
    );
    expect(plan.summary).toBe('would run the smoke suite `npm run smoke`, reading r.xml');
  });

  it('reports a working directory that does not exist', async () => {
    const error = await actionFailure(smoke({ run: 'true', cwd: join(dir, 'nope') }));
    expect(error.message).toContain('the smoke suite could not start');
  });

  it('rejects bad parameters', () => {
    const result = smokeParams.safeParse({ run: '', minPassed: -1, timeout: '0s', maxFailures: 0 });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'maxFailures',
      'minPassed',
      'run',
      'timeout',
    ]);
  });
});
