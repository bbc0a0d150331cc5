import { describe, expect, it } from 'vitest';
import { parseJunit, parseSmokeOutput, parseSummaryLine, parseTap } from './parse-smoke-output.js';

describe('parseSmokeOutput', () => {
  it('reads TAP lines, directives and failing names, ignoring indented subtests', () => {
    const tap = [
      'TAP version 13',
      'ok 1 - home page loads',
      'not ok 2 - checkout works',
      '  ---',
      '  not ok 1 - nested detail',
      'ok 3 - login # SKIP no test user',
      'not ok 4 - search # TODO not built yet',
      '1..4',
    ].join('\n');
    expect(parseTap(tap)).toEqual({
      format: 'tap',
      passed: 1,
      failed: 1,
      skipped: 2,
      failures: [{ name: 'checkout works' }],
    });
  });

  it('lets the TAP totals lines win over counted lines', () => {
    expect(parseTap('ok 1 - a\n# pass 7\n# fail 2\n# cancelled 1\n# skipped 1\n')).toMatchObject({
      passed: 7,
      failed: 3,
      skipped: 1,
    });
  });

  it('does not take prose starting with "ok" for TAP', () => {
    expect(parseTap('ok, starting the suite\nall good')).toBeUndefined();
  });

  it('reads pytest, Jest, Mocha and plain totals lines', () => {
    expect(
      parseSummaryLine(
        'FAILED tests/test_cart.py::test_total - AssertionError: 3 != 4\n=== 3 passed, 1 failed, 2 skipped in 0.41s ===',
      ),
    ).toEqual({
      format: 'summary-line',
      passed: 3,
      failed: 1,
      skipped: 2,
      failures: [{ name: 'tests/test_cart.py::test_total', message: 'AssertionError: 3 != 4' }],
    });
    expect(parseSummaryLine('Tests:       1 failed, 3 passed, 4 total')).toMatchObject({
      passed: 3,
      failed: 1,
    });
    expect(parseSummaryLine('  5 passing (2s)\n  2 failing\n')).toMatchObject({ passed: 5, failed: 2 });
    expect(parseSummaryLine('12 passed, 0 failed')).toMatchObject({ passed: 12, failed: 0 });
    expect(parseSmokeOutput('deploying...\ndone')).toBeUndefined();
  });

  it('reads JUnit XML with nested suites, failures, errors and skips', () => {
    const xml = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="web">
    <testcase classname="web" name="home"/>
    <testcase classname="web" name="checkout"><failure message="total mismatch">stack</failure></testcase>
    <testsuite name="api">
      <testcase classname="api" name="health"/>
      <testcase classname="api" name="orders"><error message="connection reset"/></testcase>
      <testcase classname="api" name="refunds"><skipped/></testcase>
    </testsuite>
  </testsuite>
</testsuites>`;
    expect(parseJunit(xml)).toEqual({
      format: 'junit',
      passed: 2,
      failed: 2,
      skipped: 1,
      failures: [
        { name: 'web.checkout', message: 'total mismatch' },
        { name: 'api.orders', message: 'connection reset' },
      ],
    });
    expect(parseJunit('<testsuite><testcase name="only"/></testsuite>')).toMatchObject({
      passed: 1,
      failed: 0,
    });
  });
});
