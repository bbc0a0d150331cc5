import type { BinaryOp, ConditionNode } from './condition-parser.js';
import { parseCondition } from './condition-parser.js';

/** A comparison of the measured value with a number, e.g. `result > 0.05` → `{ op: '>', value: 0.05 }`. */
export interface Threshold {
  readonly op: '<' | '<=' | '>' | '>=';
  readonly value: number;
}

const FLIP: Record<Threshold['op'], Threshold['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const isComparison = (op: BinaryOp): op is Threshold['op'] =>
  op === '<' || op === '<=' || op === '>' || op === '>=';

/** `result` or `result[0]` (a one-element vector): the measured value itself. */
function isResult(n: ConditionNode): boolean {
  if (n.kind === 'name') return n.name === 'result';
  return (
    n.kind === 'index' &&
    n.target.kind === 'name' &&
    n.target.name === 'result' &&
    n.index.kind === 'literal' &&
    n.index.value === 0
  );
}

function numberOf(n: ConditionNode): number | undefined {
  if (n.kind === 'literal' && typeof n.value === 'number') return n.value;
  if (n.kind === 'unary' && n.op === '-') {
    const v = numberOf(n.operand);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

/**
 * The numeric limits a monitor condition draws on a chart: every comparison of `result` (or `result[0]`)
 * with a number, under `and`/`or`, written as `result OP number`. Anything else (functions, arithmetic,
 * text) has no line to draw and gives nothing; an invalid condition gives nothing either.
 */
export function conditionThresholds(text: string | undefined): Threshold[] {
  if (text === undefined) return [];
  const parsed = parseCondition(text);
  if (!('node' in parsed)) return [];
  const found: Threshold[] = [];
  const visit = (n: ConditionNode): void => {
    if (n.kind !== 'binary') return;
    if (n.op === 'and' || n.op === 'or') {
      visit(n.left);
      visit(n.right);
      return;
    }
    if (!isComparison(n.op)) return;
    const right = numberOf(n.right);
    const left = numberOf(n.left);
    if (isResult(n.left) && right !== undefined) found.push({ op: n.op, value: right });
    else if (isResult(n.right) && left !== undefined) found.push({ op: FLIP[n.op], value: left });
  };
  visit(parsed.node);
  return found;
}
