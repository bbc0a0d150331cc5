/**
 * The values side of tminus conditions: the functions a condition may call and the helpers that name values
 * and index lists. Pure; errors are `EvalFailure`s with the offset in the condition.
 */

/** A function a condition may call: its arity and its behaviour. */
export type ConditionFunction = {
  readonly min: number;
  readonly max: number;
  readonly call: (args: unknown[], at: number) => unknown;
};

const numbersOf = (name: string, args: unknown[], at: number): number[] => {
  const values = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return values.map((v) => {
    if (typeof v !== 'number') throw evalError(`${name}() takes numbers, got ${typeName(v)}`, at);
    return v;
  });
};
const nonEmpty = (name: string, values: number[], at: number) => {
  if (values.length === 0) throw evalError(`${name}() of an empty list (no data)`, at);
  return values;
};

/**
 * The functions a condition may call. `isNaN`, `isInf`, `isNil` and `default` are Argo Rollouts'; the
 * aggregates make range results usable (`max(result) > 0.5`). Aggregates of an empty list are errors, never
 * a silent 0.
 */
export const FUNCTIONS: Readonly<Record<string, ConditionFunction>> = {
  isNaN: { min: 1, max: 1, call: ([v]) => typeof v === 'number' && Number.isNaN(v) },
  isInf: { min: 1, max: 1, call: ([v]) => v === Infinity || v === -Infinity },
  isNil: { min: 1, max: 1, call: ([v]) => v === null || v === undefined },
  // Replaces a missing value only, as Argo's does: NaN stays NaN (and fails comparisons) so that it can never
  // pass silently; write `isNaN(result) ? 0 : result` to replace it on purpose.
  default: { min: 2, max: 2, call: ([v, d]) => (v === null || v === undefined ? d : v) },
  len: {
    min: 1,
    max: 1,
    call: ([v], at) => {
      if (Array.isArray(v) || typeof v === 'string') return v.length;
      throw evalError(`len() takes a list or a string, got ${typeName(v)}`, at);
    },
  },
  abs: { min: 1, max: 1, call: (a, at) => Math.abs(numbersOf('abs', a, at)[0] ?? NaN) },
  min: { min: 1, max: Infinity, call: (a, at) => Math.min(...nonEmpty('min', numbersOf('min', a, at), at)) },
  max: { min: 1, max: Infinity, call: (a, at) => Math.max(...nonEmpty('max', numbersOf('max', a, at), at)) },
  sum: { min: 1, max: Infinity, call: (a, at) => numbersOf('sum', a, at).reduce((s, v) => s + v, 0) },
  avg: {
    min: 1,
    max: Infinity,
    call: (a, at) => {
      const v = nonEmpty('avg', numbersOf('avg', a, at), at);
      return v.reduce((s, x) => s + x, 0) / v.length;
    },
  },
  first: { min: 1, max: 1, call: ([v], at) => element(v, 0, at) },
  last: { min: 1, max: 1, call: ([v], at) => element(v, Array.isArray(v) ? v.length - 1 : 0, at) },
};

/** An evaluation failure at an offset of the condition; turned into a TminusError by the caller. */
export class EvalFailure {
  constructor(
    readonly message: string,
    readonly at: number,
  ) {}
}
export const evalError = (message: string, at: number) => new EvalFailure(message, at);

/** How a value is named in messages: a number, NaN, a list, … */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : 'a number';
  if (typeof v === 'object') return 'a record';
  return `a ${typeof v}`;
}

/**
 * The element at an index of a list, or an evaluation failure saying why not. A single number is also a list
 * of one, so that a single-series metric reads the same as `result` and as Argo's usual `result[0]`.
 */
export function element(v: unknown, index: number, at: number): unknown {
  if (typeof v === 'number' && index === 0) return v;
  if (!Array.isArray(v)) throw evalError(`cannot index ${typeName(v)}`, at);
  if (!Number.isInteger(index) || index < 0 || index >= v.length) {
    throw evalError(`index ${index} is out of range: the list has ${v.length} element(s)`, at);
  }
  return v[index] as unknown;
}
