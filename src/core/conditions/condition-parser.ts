/**
 * The parser of tminus conditions (`failWhen`, `successWhen`): a small expression language in the spirit of
 * Argo Rollouts' expr conditions. Hand-written (a Pratt parser) so that it needs no code generation, knows
 * exactly which names and functions exist, and can point at the column of a mistake.
 */

export type ConditionNode =
  | { readonly kind: 'literal'; readonly value: number | string | boolean | null; readonly at: number }
  | { readonly kind: 'name'; readonly name: string; readonly at: number }
  | { readonly kind: 'list'; readonly items: readonly ConditionNode[]; readonly at: number }
  | { readonly kind: 'unary'; readonly op: '-' | 'not'; readonly operand: ConditionNode; readonly at: number }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOp;
      readonly left: ConditionNode;
      readonly right: ConditionNode;
      readonly at: number;
    }
  | {
      readonly kind: 'ternary';
      readonly test: ConditionNode;
      readonly then: ConditionNode;
      readonly otherwise: ConditionNode;
      readonly at: number;
    }
  | {
      readonly kind: 'index';
      readonly target: ConditionNode;
      readonly index: ConditionNode;
      readonly at: number;
    }
  | { readonly kind: 'member'; readonly target: ConditionNode; readonly name: string; readonly at: number }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly ConditionNode[];
      readonly at: number;
    };

export type BinaryOp =
  'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';

/** A syntax error, with the 0-based offset in the condition text where it was found. */
export interface ConditionSyntaxError {
  readonly message: string;
  readonly offset: number;
}

type Token =
  | { readonly type: 'num'; readonly value: number; readonly at: number; readonly text: string }
  | { readonly type: 'str'; readonly value: string; readonly at: number; readonly text: string }
  | { readonly type: 'id'; readonly value: string; readonly at: number; readonly text: string }
  | { readonly type: 'op'; readonly value: string; readonly at: number; readonly text: string }
  | { readonly type: 'end'; readonly value: ''; readonly at: number; readonly text: string };

class SyntaxFailure {
  constructor(readonly error: ConditionSyntaxError) {}
}
function fail(message: string, offset: number): never {
  throw new SyntaxFailure({ message, offset });
}

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  '?',
  ':',
];
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      if (IDENT.test(rest.slice(num[0].length))) {
        fail(`malformed number '${num[0]}${IDENT.exec(rest.slice(num[0].length))?.[0]}'`, i);
      }
      tokens.push({ type: 'num', value: Number(num[0]), at: i, text: num[0] });
      i += num[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      tokens.push({ type: 'id', value: id[0], at: i, text: id[0] });
      i += id[0].length;
      continue;
    }
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      let value = '';
      let j = 1;
      for (; j < rest.length && rest[j] !== quote; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) j++;
        value += rest[j];
      }
      if (j >= rest.length) fail('unterminated string', i);
      tokens.push({ type: 'str', value, at: i, text: rest.slice(0, j + 1) });
      i += j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) fail(`unexpected character '${rest[0]}'`, i);
    else {
      tokens.push({ type: 'op', value: op, at: i, text: op });
      i += op.length;
    }
  }
  tokens.push({ type: 'end', value: '', at: text.length, text: 'end of condition' });
  return tokens;
}

// Binding power of infix operators (higher binds tighter).
const INFIX: Readonly<Record<string, [number, BinaryOp]>> = {
  or: [1, 'or'],
  '||': [1, 'or'],
  and: [2, 'and'],
  '&&': [2, 'and'],
  '==': [4, '=='],
  '!=': [4, '!='],
  '<': [4, '<'],
  '<=': [4, '<='],
  '>': [4, '>'],
  '>=': [4, '>='],
  in: [4, 'in'],
  '+': [5, '+'],
  '-': [5, '-'],
  '*': [6, '*'],
  '/': [6, '/'],
  '%': [6, '%'],
};
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

class Parser {
  #pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  get #peek(): Token {
    return this.tokens[this.#pos] ?? this.tokens[this.tokens.length - 1]!;
  }
  #next(): Token {
    const t = this.#peek;
    if (t.type !== 'end') this.#pos++;
    return t;
  }
  #expect(op: string): Token {
    const t = this.#next();
    if (t.type !== 'op' || t.value !== op) fail(`expected '${op}' but found ${describe(t)}`, t.at);
    return t;
  }

  parseAll(): ConditionNode {
    const node = this.parse(0);
    const t = this.#peek;
    if (t.type !== 'end') fail(`unexpected ${describe(t)}`, t.at);
    return node;
  }

  parse(minPower: number): ConditionNode {
    let left = this.#prefix();
    for (;;) {
      const t = this.#peek;
      if (t.type === 'op' && t.value === '?' && minPower === 0) {
        this.#next();
        const then = this.parse(0);
        this.#expect(':');
        const otherwise = this.parse(0);
        left = { kind: 'ternary', test: left, then, otherwise, at: t.at };
        continue;
      }
      const infix =
        (t.type === 'op' || t.type === 'id') && Object.hasOwn(INFIX, t.value) ? INFIX[t.value] : undefined;
      if (!infix || infix[0] <= minPower) return left;
      this.#next();
      const right = this.parse(infix[0]);
      if (infix[0] === 4 && this.#peek.type !== 'end' && INFIX[this.#peek.value]?.[0] === 4) {
        fail(`comparisons do not chain: use 'and' between them`, this.#peek.at);
      }
      left = { kind: 'binary', op: infix[1], left, right, at: t.at };
    }
  }

  #prefix(): ConditionNode {
    const t = this.#next();
    let node: ConditionNode;
    if (t.type === 'num') node = { kind: 'literal', value: t.value, at: t.at };
    else if (t.type === 'str') node = { kind: 'literal', value: t.value, at: t.at };
    else if (t.type === 'op' && t.value === '-') {
      node = { kind: 'unary', op: '-', operand: this.parse(6), at: t.at };
    } else if ((t.type === 'op' && t.value === '!') || (t.type === 'id' && t.value === 'not')) {
      node = { kind: 'unary', op: 'not', operand: this.parse(3), at: t.at };
    } else if (t.type === 'op' && t.value === '(') {
      node = this.parse(0);
      this.#expect(')');
    } else if (t.type === 'op' && t.value === '[') {
      node = { kind: 'list', items: this.#list(']'), at: t.at };
    } else if (t.type === 'id' && (t.value === 'true' || t.value === 'false')) {
      node = { kind: 'literal', value: t.value === 'true', at: t.at };
    } else if (t.type === 'id' && t.value === 'null') node = { kind: 'literal', value: null, at: t.at };
    else if (t.type === 'id' && !KEYWORDS.has(t.value)) {
      if (this.#peek.type === 'op' && this.#peek.value === '(') {
        this.#next();
        node = { kind: 'call', name: t.value, args: this.#list(')'), at: t.at };
      } else node = { kind: 'name', name: t.value, at: t.at };
    } else {
      return fail(t.type === 'end' ? 'the condition ends too early' : `unexpected ${describe(t)}`, t.at);
    }
    return this.#postfix(node);
  }

  #postfix(node: ConditionNode): ConditionNode {
    for (;;) {
      const t = this.#peek;
      if (t.type === 'op' && t.value === '[') {
        this.#next();
        const index = this.parse(0);
        this.#expect(']');
        node = { kind: 'index', target: node, index, at: t.at };
      } else if (t.type === 'op' && t.value === '.') {
        this.#next();
        const name = this.#next();
        if (name.type !== 'id') fail(`expected a field name after '.' but found ${describe(name)}`, name.at);
        node = { kind: 'member', target: node, name: name.value, at: t.at };
      } else return node;
    }
  }

  #list(close: string): ConditionNode[] {
    const items: ConditionNode[] = [];
    if (this.#peek.type === 'op' && this.#peek.value === close) {
      this.#next();
      return items;
    }
    for (;;) {
      items.push(this.parse(0));
      const t = this.#next();
      if (t.type === 'op' && t.value === close) return items;
      if (t.type !== 'op' || t.value !== ',') {
        fail(`expected ',' or '${close}' but found ${describe(t)}`, t.at);
      }
    }
  }
}

const describe = (t: Token) => (t.type === 'end' ? 'the end of the condition' : `'${t.text}'`);

/** Parses a condition into a tree, or returns the first syntax error with its offset. */
export function parseCondition(text: string): { node: ConditionNode } | { error: ConditionSyntaxError } {
  try {
    if (text.trim() === '') return { error: { message: 'the condition is empty', offset: 0 } };
    return { node: new Parser(tokenize(text)).parseAll() };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { error: error.error };
    throw error;
  }
}
