import { z } from 'zod';
import { jsonEquals } from '../../core/conditions/json-path.js';
import type { SqlResult } from '../sql-query/run-sql.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** What the answer must be; every key given must hold, at least one is required. */
export const sqlExpectation = z
  .object({
    rows: z
      .union([
        z.number().int().min(0),
        z
          .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
          .strict()
          .refine((r) => r.min !== undefined || r.max !== undefined, { message: 'give min, max or both' }),
      ])
      .optional()
      .meta({ description: 'Row count: exactly N, or { min, max }' }),
    value: scalar.optional().meta({
      description: 'The first column of the first row equals this (42 matches a bigint/numeric "42")',
    }),
    equals: z
      .array(z.union([z.array(scalar), z.record(z.string(), scalar)]))
      .optional()
      .meta({
        description: 'The exact rows, in order: each a list of values (column order) or an object of columns',
      }),
    empty: z.literal(true).optional().meta({ description: 'No rows at all' }),
  })
  .strict()
  .refine((e) => e.rows !== undefined || 'value' in e || e.equals !== undefined || e.empty !== undefined, {
    message: 'expect needs at least one of rows, value, equals or empty',
  });
export type SqlExpectation = z.infer<typeof sqlExpectation>;

/**
 * Equality as a DBA means it: drivers return bigint and numeric as text and MySQL booleans as 0/1, so
 * `42` matches `"42"`, `"7.00"` matches SQLite's `7` and `true` matches `1`; everything else compares as JSON.
 */
export function sameSqlValue(actual: unknown, expected: unknown): boolean {
  if (jsonEquals(actual, expected)) return true;
  if (typeof expected === 'number' && typeof actual === 'string' && actual.trim() !== '') {
    return Number(actual) === expected;
  }
  if (typeof expected === 'string' && typeof actual === 'number' && expected.trim() !== '') {
    return Number(expected) === actual;
  }
  if (typeof expected === 'boolean' && (actual === 0 || actual === 1 || actual === '0' || actual === '1')) {
    return Number(actual) === Number(expected);
  }
  return false;
}

const show = (v: unknown) => JSON.stringify(v);

function rowMatches(
  row: Record<string, unknown>,
  columns: readonly string[],
  expected: unknown,
): string | undefined {
  if (Array.isArray(expected)) {
    const actual = columns.map((c) => row[c]);
    if (actual.length !== expected.length) {
      return `has ${actual.length} columns ${show(actual)}, expected ${show(expected)}`;
    }
    return actual.every((v, i) => sameSqlValue(v, expected[i]))
      ? undefined
      : `is ${show(actual)}, expected ${show(expected)}`;
  }
  const wanted = expected as Record<string, unknown>;
  const differing = Object.keys(wanted).filter((k) => !(k in row) || !sameSqlValue(row[k], wanted[k]));
  if (differing.length === 0) return undefined;
  return differing
    .map((k) => (k in row ? `${k} is ${show(row[k])}, expected ${show(wanted[k])}` : `has no column ${k}`))
    .join(', ');
}

/** Every way the answer differs from the expectation, each naming expected and actual. */
export function evaluateSqlExpectation(result: SqlResult, expect: SqlExpectation): string[] {
  const problems: string[] = [];
  const n = result.rowCount;
  if (typeof expect.rows === 'number' && n !== expect.rows) {
    problems.push(`expected ${expect.rows} rows, got ${n}`);
  }
  if (typeof expect.rows === 'object') {
    const { min, max } = expect.rows;
    if (min !== undefined && n < min) problems.push(`expected at least ${min} rows, got ${n}`);
    if (max !== undefined && n > max) problems.push(`expected at most ${max} rows, got ${n}`);
  }
  if (expect.empty && n !== 0) problems.push(`expected no rows, got ${n} (first: ${show(result.rows[0])})`);
  if ('value' in expect) {
    const first = result.rows[0];
    const column = result.columns[0];
    if (!first || column === undefined) problems.push(`expected value ${show(expect.value)}, got no rows`);
    else if (!sameSqlValue(first[column], expect.value)) {
      problems.push(`expected value ${show(expect.value)}, got ${show(first[column])} (column ${column})`);
    }
  }
  if (expect.equals) {
    if (n !== expect.equals.length) problems.push(`expected exactly ${expect.equals.length} rows, got ${n}`);
    expect.equals.forEach((wanted, i) => {
      const row = result.rows[i];
      if (!row) return;
      const problem = rowMatches(row, result.columns, wanted);
      if (problem) problems.push(`row ${i + 1} ${problem}`);
    });
  }
  return problems;
}
