import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition, conditionProblem } from './condition.js';
import { TminusError } from '../tminus-error.js';

const run = (text: string, result: unknown, extra: Record<string, unknown> = {}) =>
  compileCondition(text, { variables: ['result', ...Object.keys(extra)] }).evaluate({ result, ...extra });

const errorOf = (fn: () => unknown): TminusError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TminusError);
    return error as TminusError;
  }
  throw new Error('expected an error');
};

describe('conditions', () => {
  it('compare numbers, combine with and/or/not and their symbol forms, with the usual precedence', () => {
    expect(run('result > 0.02', 0.05)).toBe(true);
    expect(run('result > 0.02', 0.01)).toBe(false);
    expect(run('result >= 1 and result < 2 or result == 10', 10)).toBe(true);
    expect(run('result >= 1 && result < 2 || result == 10', 1.5)).toBe(true);
    expect(run('not result > 3', 2)).toBe(true);
    expect(run('!(result > 3)', 4)).toBe(false);
    expect(run('result * 100 + 1 > 2 * 3', 0.06)).toBe(true);
    expect(run('-result < 0', 1)).toBe(true);
    expect(run('result % 2 == 1', 7)).toBe(true);
    expect(run('result > 1e-3', 0.01)).toBe(true);
  });

  it('index lists, read record fields, test membership and choose with ? :', () => {
    expect(run('result[0] > 5', [6, 1])).toBe(true);
    expect(run('result.status == "up"', { status: 'up' })).toBe(true);
    expect(run("result['status'] != 'down'", { status: 'up' })).toBe(true);
    expect(run('result in [200, 204]', 204)).toBe(true);
    expect(run('len(result) > 0 ? result[0] > 1 : false', [])).toBe(false);
    expect(run('result == [1, 2]', [1, 2])).toBe(true);
  });

  it('read a single number as a list of one, so result and result[0] agree', () => {
    expect(run('result[0] >= 0.95', 0.97)).toBe(true);
    expect(run('result >= 0.95', 0.97)).toBe(true);
    expect(run('first(result) == 3 and last(result) == 3', 3)).toBe(true);
    expect(errorOf(() => run('result[1] > 0', 3)).message).toContain('cannot index a number');
    expect(errorOf(() => run('result[0] > 0', 'x')).message).toContain('cannot index a string');
  });

  it('aggregate range results and refuse to aggregate an empty one', () => {
    expect(run('max(result) > 0.5', [0.1, 0.7])).toBe(true);
    expect(run('avg(result) < 0.5', [0.1, 0.7])).toBe(true);
    expect(run('sum(result) == 3 and min(result) == 1', [1, 2])).toBe(true);
    expect(run('first(result) == 1 and last(result) == 2', [1, 2])).toBe(true);
    expect(run('abs(result) == 2', -2)).toBe(true);
    expect(run('min(result, 3) == 3', 4)).toBe(true);
    expect(errorOf(() => run('max(result) > 0.5', [])).message).toBe(
      "max() of an empty list (no data) at column 1 of condition 'max(result) > 0.5'",
    );
    expect(errorOf(() => run('result[0] > 0.5', [])).message).toContain(
      'index 0 is out of range: the list has 0',
    );
  });

  it('never pass NaN through a threshold by accident, and let the author handle it explicitly', () => {
    expect(run('result > 0.02', NaN)).toBe(false);
    expect(run('result <= 0.02', NaN)).toBe(false);
    expect(run('isNaN(result) or result > 0.02', NaN)).toBe(true);
    // default() replaces a missing value only (as Argo's): NaN stays NaN and fails the comparison.
    expect(run('default(result, 0) < 1', NaN)).toBe(false);
    expect(run('isNaN(default(result, 0))', NaN)).toBe(true);
    expect(run('default(result, 0) < 1', null)).toBe(true);
    expect(run('default(result, 5) == 5', undefined)).toBe(true);
    expect(run('isNaN(result) ? true : result < 1', NaN)).toBe(true);
    expect(run('isInf(result)', Infinity)).toBe(true);
    expect(run('isNil(result)', null)).toBe(true);
  });

  it('are strict about types instead of coercing', () => {
    expect(errorOf(() => run('result > 1', '2')).message).toBe(
      "cannot compare a string with a number at column 8 of condition 'result > 1'",
    );
    expect(errorOf(() => run('result and true', 1)).code).toBe('CONDITION_ERROR');
    expect(errorOf(() => run('result + 1', 1)).message).toBe(
      "condition 'result + 1' gave a number, not true or false",
    );
    expect(errorOf(() => run('result.x == 1', [1])).message).toContain("cannot read 'x' of a list");
    // Equality is as strict as ordering: a number never silently differs from a string.
    expect(errorOf(() => run('result == "1.1"', 1.1)).message).toBe(
      'cannot compare a number with a string at column 8 of condition \'result == "1.1"\'',
    );
    expect(errorOf(() => run('result != 1', 'up')).code).toBe('CONDITION_ERROR');
    expect(errorOf(() => run('result in ["200"]', 200)).message).toContain(
      'cannot compare a number with a string',
    );
    expect(errorOf(() => run('result == true', 1)).message).toContain(
      'cannot compare a number with a boolean',
    );
    expect(errorOf(() => run('result == [1]', 1)).message).toContain('cannot compare a number with a list');
    expect(run('result == null', 1)).toBe(false);
    expect(run('result != null', 'x')).toBe(true);
    expect(run('result in [200, 204]', 201)).toBe(false);
  });

  it('give no access to prototypes or host objects', () => {
    expect(errorOf(() => run('result.constructor == 1', {})).message).toContain("no field 'constructor'");
    expect(errorOf(() => run('result.__proto__ == 1', {})).message).toContain("no field '__proto__'");
    expect(errorOf(() => run("result['toString'] == 1", {})).message).toContain("no field 'toString'");
    expect(conditionProblem('constructor(1)')?.message).toMatch(/^unknown function 'constructor'/);
    expect(conditionProblem('process.env == 1', ['result'])?.message).toMatch(/^unknown name 'process'/);
  });

  it('report a malformed condition with its column', () => {
    expect(conditionProblem('result > ')).toEqual({
      message: 'the condition ends too early',
      offset: 9,
      column: 10,
    });
    expect(conditionProblem('result >> 1')).toMatchObject({ message: "unexpected '>'", column: 9 });
    expect(conditionProblem('result > 0.02 )')).toMatchObject({ message: "unexpected ')'", column: 15 });
    expect(conditionProblem('(result > 1')).toMatchObject({
      message: "expected ')' but found the end of the condition",
    });
    expect(conditionProblem('result = 1')).toMatchObject({ message: "unexpected character '='", column: 8 });
    expect(conditionProblem('1 < result < 2')).toMatchObject({
      message: "comparisons do not chain: use 'and' between them",
      column: 12,
    });
    expect(conditionProblem("result == 'open")).toMatchObject({ message: 'unterminated string', column: 11 });
    expect(conditionProblem('12abc > 1')).toMatchObject({ message: "malformed number '12abc'", column: 1 });
    expect(conditionProblem('   ')).toMatchObject({ message: 'the condition is empty' });
    expect(conditionProblem('reslt > 1', ['result'])).toMatchObject({
      message: "unknown name 'reslt' (known: result)",
      column: 1,
    });
    expect(conditionProblem('maxx(result) > 1')?.message).toMatch(/^unknown function 'maxx' \(known: isNaN/);
    expect(conditionProblem('isNaN(result, 1)')).toMatchObject({
      message: 'isNaN() takes 1 argument(s), got 2',
    });
    expect(conditionProblem('result.')).toMatchObject({
      message: "expected a field name after '.' but found the end of the condition",
    });
    const error = errorOf(() => compileCondition('result >> 1'));
    expect(error.code).toBe('CONDITION_INVALID');
    expect(error.message).toBe("unexpected '>' at column 9 of condition 'result >> 1'");
    expect(error.hint).toBe('result >> 1\n        ^');
  });

  it('agree with IEEE comparison for any pair of numbers', () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), (a, b) => {
        expect(compileCondition('a < b').evaluate({ a, b })).toBe(a < b);
        expect(compileCondition('a >= b or a != a').evaluate({ a, b })).toBe(a >= b || Number.isNaN(a));
      }),
    );
  });
});
