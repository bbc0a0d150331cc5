import { parseCondition, type ConditionNode } from './condition-parser.js';
import { TminusError } from '../tminus-error.js';
import { EvalFailure, FUNCTIONS, element, evalError, typeName } from './condition-functions.js';

/** What a condition may see: `result` and friends; numbers, strings, booleans, null, arrays and records. */
export type ConditionVars = Readonly<Record<string, unknown>>;

/** A checked condition, ready to evaluate many times. */
export interface CompiledCondition {
  readonly text: string;
  /** True or false; throws a TminusError `CONDITION_ERROR` (naming the column) when evaluation fails. */
  evaluate(vars: ConditionVars): boolean;
}

/** A problem with a condition's text: the message and its 1-based column. */
export interface ConditionProblem {
  readonly message: string;
  readonly offset: number;
  readonly column: number;
}

function bool(v: unknown, what: string, at: number): boolean {
  if (typeof v !== 'boolean') throw evalError(`${what} needs true or false, got ${typeName(v)}`, at);
  return v;
}

/** The kind of a value for comparisons: values of different kinds are never silently unequal. */
const kindOf = (v: unknown): string =>
  v === null || v === undefined ? 'null' : Array.isArray(v) ? 'list' : typeof v;

/**
 * Equality without coercion. Comparing a number with a string (`result == "1.1"`) is an error, as in Argo
 * Rollouts and as `<` already is here: a wrong-type result must not read as "not equal" and pass a check.
 * `null` compares with anything (`result == null`).
 */
function equal(a: unknown, b: unknown, at: number): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb && ka !== 'null' && kb !== 'null') {
    throw evalError(`cannot compare ${typeName(a)} with ${typeName(b)}`, at);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i], at));
  }
  return a === b;
}

function evaluateNode(node: ConditionNode, vars: ConditionVars): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      if (!Object.hasOwn(vars, node.name)) throw evalError(`unknown name '${node.name}'`, node.at);
      return vars[node.name];
    case 'list':
      return node.items.map((i) => evaluateNode(i, vars));
    case 'unary': {
      const v = evaluateNode(node.operand, vars);
      if (node.op === 'not') return !bool(v, "'not'", node.at);
      if (typeof v !== 'number') throw evalError(`cannot negate ${typeName(v)}`, node.at);
      return -v;
    }
    case 'ternary':
      return bool(evaluateNode(node.test, vars), "'? :'", node.at)
        ? evaluateNode(node.then, vars)
        : evaluateNode(node.otherwise, vars);
    case 'index': {
      const target = evaluateNode(node.target, vars);
      const index = evaluateNode(node.index, vars);
      if (typeof index === 'string') return member(target, index, node.at);
      if (typeof index !== 'number') {
        throw evalError(`an index must be a number, got ${typeName(index)}`, node.at);
      }
      return element(target, index, node.at);
    }
    case 'member':
      return member(evaluateNode(node.target, vars), node.name, node.at);
    case 'call': {
      const fn = FUNCTIONS[node.name]!; // checked at compile time
      return fn.call(
        node.args.map((a) => evaluateNode(a, vars)),
        node.at,
      );
    }
    case 'binary':
      return binary(node, vars);
  }
}

function member(target: unknown, name: string, at: number): unknown {
  // Own properties of plain records only: no prototype, no getters of host objects.
  if (target === null || typeof target !== 'object' || Array.isArray(target)) {
    throw evalError(`cannot read '${name}' of ${typeName(target)}`, at);
  }
  if (!Object.hasOwn(target, name)) throw evalError(`no field '${name}'`, at);
  return (target as Record<string, unknown>)[name];
}

function binary(node: Extract<ConditionNode, { kind: 'binary' }>, vars: ConditionVars): unknown {
  if (node.op === 'and' || node.op === 'or') {
    const left = bool(evaluateNode(node.left, vars), `'${node.op}'`, node.at);
    if (node.op === 'and' ? !left : left) return left;
    return bool(evaluateNode(node.right, vars), `'${node.op}'`, node.at);
  }
  const a = evaluateNode(node.left, vars);
  const b = evaluateNode(node.right, vars);
  switch (node.op) {
    case '==':
      return equal(a, b, node.at);
    case '!=':
      return !equal(a, b, node.at);
    case 'in':
      if (!Array.isArray(b)) throw evalError(`'in' needs a list on its right, got ${typeName(b)}`, node.at);
      return b.some((x) => equal(a, x, node.at));
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!(
        (typeof a === 'number' && typeof b === 'number') ||
        (typeof a === 'string' && typeof b === 'string')
      )) {
        throw evalError(`cannot compare ${typeName(a)} with ${typeName(b)}`, node.at);
      }
      // NaN compares false both ways (IEEE 754), so a NaN result never passes a threshold by accident.
      if (node.op === '<') return a < b;
      if (node.op === '<=') return a <= b;
      if (node.op === '>') return a > b;
      return a >= b;
    }
    default: {
      if (node.op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
      if (typeof a !== 'number' || typeof b !== 'number') {
        throw evalError(`'${node.op}' needs numbers, got ${typeName(a)} and ${typeName(b)}`, node.at);
      }
      if (node.op === '+') return a + b;
      if (node.op === '-') return a - b;
      if (node.op === '*') return a * b;
      if (node.op === '/') return a / b;
      return a % b;
    }
  }
}

function staticCheck(
  node: ConditionNode,
  variables: readonly string[] | undefined,
): { message: string; at: number } | undefined {
  const children: ConditionNode[] = [];
  switch (node.kind) {
    case 'name':
      if (variables && !variables.includes(node.name)) {
        return {
          message: `unknown name '${node.name}' (known: ${variables.join(', ')})`,
          at: node.at,
        };
      }
      break;
    case 'call': {
      const fn = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
      if (!fn) {
        return {
          message: `unknown function '${node.name}' (known: ${Object.keys(FUNCTIONS).join(', ')})`,
          at: node.at,
        };
      }
      if (node.args.length < fn.min || node.args.length > fn.max) {
        const arity =
          fn.min === fn.max
            ? `${fn.min}`
            : fn.max === Infinity
              ? `at least ${fn.min}`
              : `${fn.min}–${fn.max}`;
        return { message: `${node.name}() takes ${arity} argument(s), got ${node.args.length}`, at: node.at };
      }
      children.push(...node.args);
      break;
    }
    case 'list':
      children.push(...node.items);
      break;
    case 'unary':
      children.push(node.operand);
      break;
    case 'binary':
      children.push(node.left, node.right);
      break;
    case 'ternary':
      children.push(node.test, node.then, node.otherwise);
      break;
    case 'index':
      children.push(node.target, node.index);
      break;
    case 'member':
      children.push(node.target);
      break;
    case 'literal':
      break;
  }
  for (const child of children) {
    const problem = staticCheck(child, variables);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem with a condition's text, or undefined when it is well-formed. Pure; for validation. */
export function conditionProblem(text: string, variables?: readonly string[]): ConditionProblem | undefined {
  const parsed = parseCondition(text);
  if ('error' in parsed) return { ...parsed.error, column: parsed.error.offset + 1 };
  const problem = staticCheck(parsed.node, variables);
  return problem ? { message: problem.message, offset: problem.at, column: problem.at + 1 } : undefined;
}

/**
 * Compiles a condition such as `result > 0.02 and not isNaN(result)` into a reusable checker. Never uses
 * `eval`: the text is parsed into a tree and walked, with strict types (no truthiness, no string/number
 * coercion) so that a wrong-type or empty result is an error, never a silent pass.
 *
 * @example
 * compileCondition('max(result) > 0.5', { variables: ['result'] }).evaluate({ result: [0.1, 0.7] }) // true
 */
export function compileCondition(
  text: string,
  options: { variables?: readonly string[] } = {},
): CompiledCondition {
  const parsed = parseCondition(text);
  const problem = conditionProblem(text, options.variables);
  if (problem || 'error' in parsed) {
    const p = problem!;
    throw new TminusError('CONDITION_INVALID', `${p.message} at column ${p.column} of condition '${text}'`, {
      hint: `${text}\n${' '.repeat(p.offset)}^`,
    });
  }
  const node = parsed.node;
  return {
    text,
    evaluate(vars) {
      let value: unknown;
      try {
        value = evaluateNode(node, vars);
      } catch (error) {
        if (!(error instanceof EvalFailure)) throw error;
        throw new TminusError(
          'CONDITION_ERROR',
          `${error.message} at column ${error.at + 1} of condition '${text}'`,
        );
      }
      if (typeof value !== 'boolean') {
        throw new TminusError(
          'CONDITION_ERROR',
          `condition '${text}' gave ${typeName(value)}, not true or false`,
        );
      }
      return value;
    },
  };
}
