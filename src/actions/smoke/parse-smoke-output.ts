import { XMLParser } from 'fast-xml-parser';

/** A failing test, by name, with the first line of its message when the format gives one. */
export interface SmokeFailure {
  readonly name: string;
  readonly message?: string;
}

/** Counts and failing names recognised in a suite's output. */
export interface SmokeSummary {
  readonly format: 'tap' | 'junit' | 'summary-line';
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failures: readonly SmokeFailure[];
}

// The test number is required: prose lines that merely start with "ok" must not look like TAP.
const TAP_LINE_RE = /^(not ok|ok)\s+(\d+)\b\s*(?:-\s*)?([^#\n]*?)\s*(?:#\s*(\w+)[^\n]*)?$/;

/**
 * TAP (TAP 13/14, node --test, prove): `ok`/`not ok` lines, with `# SKIP`/`# TODO` directives, and the
 * `# pass N` / `# fail N` / `# skip N` totals some producers print (which win when present). Indented
 * lines are subtests and are ignored, so a parent and its children are not counted twice.
 */
export function parseTap(text: string): SmokeSummary | undefined {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let seen = false;
  const failures: SmokeFailure[] = [];
  const totals: Record<string, number> = {};
  for (const line of text.split(/\r?\n/)) {
    const total = /^#\s*(pass|fail|skip|skipped|todo|cancelled|tests)\s+(\d+)\s*$/.exec(line);
    if (total) {
      totals[total[1] ?? ''] = Number(total[2]);
      seen = true;
      continue;
    }
    if (/^\s/.test(line)) continue;
    const m = TAP_LINE_RE.exec(line);
    if (!m) continue;
    seen = true;
    const directive = (m[4] ?? '').toUpperCase();
    if (directive === 'SKIP' || directive === 'TODO') skipped++;
    else if (m[1] === 'ok') passed++;
    else {
      failed++;
      failures.push({ name: (m[3] ?? '').trim() || `test ${m[2] ?? failed}` });
    }
  }
  if (!seen) return undefined;
  return {
    format: 'tap',
    passed: totals.pass ?? passed,
    // node --test reports cancelled tests (e.g. timed out) apart from failed ones; both mean "did not pass".
    failed: totals.fail === undefined ? failed : totals.fail + (totals.cancelled ?? 0),
    skipped: (totals.skip ?? totals.skipped ?? 0) + (totals.todo ?? 0) || skipped,
    failures,
  };
}

/**
 * The one-line totals most runners print: pytest `3 passed, 1 failed`, Jest `Tests: 1 failed, 3 passed`,
 * Mocha `3 passing` / `1 failing`, or the plain `N passed, N failed`. The last line with a count wins.
 * Failing names are read from pytest's `FAILED path::test - message` lines.
 */
export function parseSummaryLine(text: string): SmokeSummary | undefined {
  let found: { passed: number; failed: number; skipped: number } | undefined;
  let mochaPassing: number | undefined;
  let mochaFailing: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const passed = /(\d+)\s+(?:passed|passing|succeeded)\b/i.exec(line);
    const failed = /(\d+)\s+(?:failed|failing|errors?)\b/i.exec(line);
    const skipped = /(\d+)\s+(?:skipped|pending|todo)\b/i.exec(line);
    if (/^\s*\d+\s+passing\b/.test(line)) mochaPassing = Number(passed?.[1]);
    if (/^\s*\d+\s+failing\b/.test(line)) mochaFailing = Number(failed?.[1]);
    if (passed || failed) {
      found = {
        passed: Number(passed?.[1] ?? 0),
        failed: Number(failed?.[1] ?? 0),
        skipped: Number(skipped?.[1] ?? 0),
      };
    }
  }
  if (mochaPassing !== undefined || mochaFailing !== undefined) {
    found = { passed: mochaPassing ?? 0, failed: mochaFailing ?? 0, skipped: found?.skipped ?? 0 };
  }
  if (!found) return undefined;
  const failures = [...text.matchAll(/^(?:FAILED|ERROR)\s+(\S+)(?:\s+-\s+(.*))?$/gm)].map((m) => ({
    name: m[1] ?? '',
    ...(m[2] ? { message: m[2] } : {}),
  }));
  return { format: 'summary-line', ...found, failures };
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface JunitCase {
  '@_name'?: string;
  '@_classname'?: string;
  failure?: unknown;
  error?: unknown;
  skipped?: unknown;
}
interface JunitSuite {
  testcase?: JunitCase | JunitCase[];
  testsuite?: JunitSuite | JunitSuite[];
}

function firstMessage(node: unknown): string | undefined {
  const n = asArray(node)[0] as Record<string, unknown> | string | undefined;
  if (n === undefined) return undefined;
  const text = typeof n === 'string' ? n : String((n['@_message'] as string | undefined) ?? n['#text'] ?? '');
  return text.split('\n')[0]?.trim() || undefined;
}

/** JUnit XML (`<testsuites>`/`<testsuite>` with `<testcase>`, `<failure>`, `<error>`, `<skipped>`), nested suites too. */
export function parseJunit(xml: string): SmokeSummary {
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testcase' || name === 'testsuite',
  });
  const doc = parser.parse(xml) as {
    testsuites?: JunitSuite | JunitSuite[];
    testsuite?: JunitSuite | JunitSuite[];
  };
  const cases: JunitCase[] = [];
  const walk = (suite: JunitSuite) => {
    cases.push(...asArray(suite.testcase));
    asArray(suite.testsuite).forEach(walk);
  };
  asArray(doc.testsuites).forEach(walk);
  asArray(doc.testsuite).forEach(walk);
  let passed = 0;
  let skipped = 0;
  const failures: SmokeFailure[] = [];
  for (const c of cases) {
    const name = [c['@_classname'], c['@_name']].filter(Boolean).join('.') || '(unnamed test)';
    if (c.failure !== undefined || c.error !== undefined) {
      const message = firstMessage(c.failure ?? c.error);
      failures.push({ name, ...(message ? { message } : {}) });
    } else if (c.skipped !== undefined) skipped++;
    else passed++;
  }
  return { format: 'junit', passed, failed: failures.length, skipped, failures };
}

/** TAP first (it is unambiguous), then a totals line; undefined when the output has neither. */
export function parseSmokeOutput(text: string): SmokeSummary | undefined {
  return parseTap(text) ?? parseSummaryLine(text);
}
