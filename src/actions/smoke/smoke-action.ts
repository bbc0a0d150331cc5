import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition } from '../../engine/action.js';
import { formatMs } from '../action-deadline.js';
import { durationParam } from '../duration-param.js';
import type { SmokeSummary } from './parse-smoke-output.js';

/** The output parsers (an XML library for JUnit reports) load when a suite has run. */
const parsers = () => import('./parse-smoke-output.js');
import { runSuite } from './run-suite.js';

export const smokeParams = z
  .object({
    run: z.string().min(1).meta({ description: 'The smoke-suite command, run with /bin/sh -c' }),
    cwd: z.string().optional().meta({ description: 'Working directory (default: the current one)' }),
    env: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'Extra environment variables (values never printed)' }),
    junit: z.string().optional().meta({
      description: 'JUnit XML report the suite writes (relative to cwd); read instead of the output',
    }),
    minPassed: z.number().int().min(0).default(1).meta({
      description:
        'Fewer passing tests than this fails the step, so a suite that ran nothing is caught (default 1)',
    }),
    maxFailures: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .meta({ description: 'Failing test names kept (default 20)' }),
    timeout: durationParam('Whole-suite timeout (default 10m)').default(600_000),
  })
  .strict();
export type SmokeParams = z.infer<typeof smokeParams>;

async function mtimeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined; // no report yet: the normal case before the suite runs
  }
}

async function readJunit(
  path: string,
  before: number | undefined,
  exitCode: number | null,
): Promise<SmokeSummary> {
  const after = await mtimeOf(path);
  if (after === undefined) {
    throw new TminusError(
      'SMOKE_FAILED',
      `the JUnit report ${path} was not written (the suite exited ${exitCode})`,
      {
        hint: 'check the `junit:` path and the runner’s reporter options',
      },
    );
  }
  if (before !== undefined && after === before) {
    throw new TminusError(
      'SMOKE_FAILED',
      `the JUnit report ${path} was not rewritten by this run (stale report)`,
    );
  }
  try {
    return (await parsers()).parseJunit(await readFile(path, 'utf8'));
  } catch (error) {
    throw new TminusError(
      'SMOKE_FAILED',
      `the JUnit report ${path} cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

const counts = (s: SmokeSummary) =>
  `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`;

function lastLines(ctx: ActionContext, text: string, n: number): string {
  return ctx.redact(text.trimEnd().split('\n').slice(-n).join('\n'));
}

/**
 * `smoke`: runs a smoke-suite command and reads its result: the exit code plus the counts and failing test
 * names from a JUnit report, TAP, or a totals line (`N passed, N failed`). Declared idempotent: smoke
 * suites are re-run at every rehearsal and must be safe to repeat.
 */
export const smokeAction: ActionDefinition<SmokeParams> = {
  type: 'smoke',
  description:
    'Run a smoke-test suite and record pass/fail counts and failing tests (JUnit, TAP or totals line)',
  params: smokeParams,
  idempotent: true,

  plan(ctx, p) {
    return Promise.resolve({
      summary: ctx.redact(
        `would run the smoke suite \`${p.run}\`${p.cwd ? ` in ${p.cwd}` : ''}${p.junit ? `, reading ${p.junit}` : ''}`,
      ),
      changes: [],
    });
  },

  async execute(ctx, p) {
    const junitPath =
      p.junit === undefined
        ? undefined
        : isAbsolute(p.junit)
          ? p.junit
          : join(p.cwd ?? process.cwd(), p.junit);
    const before = junitPath === undefined ? undefined : await mtimeOf(junitPath);
    const started = ctx.clock.now();
    let run;
    try {
      run = await runSuite(ctx, p.run, { cwd: p.cwd, env: p.env, timeoutMs: p.timeout, graceMs: 5_000 });
    } catch (error) {
      if (error instanceof TminusError) throw error;
      throw new TminusError('SMOKE_FAILED', `the smoke suite could not start: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const durationMs = ctx.clock.now() - started;
    const summary = junitPath
      ? await readJunit(junitPath, before, run.exitCode)
      : (await parsers()).parseSmokeOutput(`${run.stdout}\n${run.stderr}`);
    const failures = (summary?.failures ?? []).slice(0, p.maxFailures).map((f) => ({
      name: ctx.redact(f.name),
      ...(f.message ? { message: ctx.redact(f.message).slice(0, 300) } : {}),
    }));
    const output = {
      exitCode: run.exitCode,
      signal: run.signal,
      format: summary?.format ?? 'exit-code',
      passed: summary?.passed,
      failed: summary?.failed,
      skipped: summary?.skipped,
      failures,
      failuresTruncated: (summary?.failures.length ?? 0) > failures.length,
      durationMs,
      outputTail: lastLines(ctx, run.stdout, 20),
      stderrTail: lastLines(ctx, run.stderr, 10),
    };
    const problems: string[] = [];
    if (run.exitCode !== 0) {
      problems.push(run.signal ? `killed by ${run.signal}` : `exit code ${run.exitCode}`);
    }
    if (summary && summary.failed > 0) {
      const names = failures.map((f) => f.name).join(', ');
      problems.push(
        `${summary.failed} failed${names ? `: ${names}${output.failuresTruncated ? ', …' : ''}` : ''}`,
      );
    }
    if (summary && summary.passed < p.minPassed) {
      problems.push(`only ${summary.passed} passed, fewer than minPassed ${p.minPassed}`);
    }
    const tally = summary ? counts(summary) : 'no test summary recognised';
    if (problems.length > 0) {
      const tail = summary ? '' : `; last output: ${lastLines(ctx, run.stdout || run.stderr, 3)}`;
      throw new TminusError('SMOKE_FAILED', `smoke suite failed (${tally}): ${problems.join('; ')}${tail}`);
    }
    return {
      summary: `smoke suite passed: ${tally} (${output.format}, exit 0, ${formatMs(durationMs)})`,
      output,
      value: summary?.failed ?? 0,
    };
  },
};
