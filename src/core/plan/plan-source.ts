import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Issue, PathSegment, SourcePosition } from '../validation/issue.js';

/** Plans larger than this are refused before parsing: a 5,000-task plan is about 1 MB. */
export const MAX_PLAN_BYTES = 8 * 1024 * 1024;

/** A parsed plan document: its plain value plus what is needed to point back into the text. */
export interface PlanSource {
  readonly value: unknown;
  readonly issues: Issue[];
  /** The 1-based position of the node at `path` (of its key when `atKey`), or the nearest ancestor's. */
  positionOf(path: readonly PathSegment[], atKey?: boolean): SourcePosition;
}

/**
 * Parses YAML (JSON is accepted too, being YAML) keeping source positions. Never throws: syntax errors,
 * duplicate keys, binary content and oversize input come back as issues with positions.
 *
 * @example
 * const source = parsePlanSource('version: 1\nname: demo\n');
 * source.positionOf(['name']) // { line: 2, col: 7 }
 */
export function parsePlanSource(text: string): PlanSource {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const fail = (
    code: string,
    message: string,
    position: SourcePosition = { line: 1, col: 1 },
    hint?: string,
  ) => ({
    value: undefined,
    issues: [{ severity: 'error' as const, code, message, path: [], position, ...(hint ? { hint } : {}) }],
    positionOf: () => position,
  });

  if (text.length > MAX_PLAN_BYTES) {
    const mb = (text.length / 1048576).toFixed(1);
    return fail('file-too-large', `plan file is ${mb} MB; the limit is ${MAX_PLAN_BYTES / 1048576} MB`);
  }
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    return fail('binary-content', 'the file holds binary data (a NUL byte), not YAML or JSON text', {
      line: 1,
      col: 1,
    });
  }
  if (text.trim() === '') {
    return fail(
      'empty-plan',
      'the plan file is empty',
      { line: 1, col: 1 },
      'run `tminus init` for a commented starting plan',
    );
  }

  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (cause) {
    // The YAML library recurses per nesting level; absurdly deep input overflows the stack.
    const message =
      cause instanceof RangeError
        ? 'the document is nested too deeply to read'
        : 'the document cannot be parsed';
    return fail('yaml-syntax', message);
  }

  const issues: Issue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const code = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
    const firstLine = e.message.split('\n')[0] ?? e.message;
    const message =
      code === 'duplicate-key'
        ? 'duplicate key: a key may appear once in a mapping'
        : `YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}`;
    issues.push({
      severity: doc.errors.includes(e as never) ? 'error' : 'warning',
      code,
      message,
      path: [],
      position: at(e.pos[0]),
    });
  }

  let value: unknown;
  if (doc.errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      const message =
        cause instanceof RangeError
          ? 'the document is nested too deeply to read'
          : `YAML: ${String((cause as Error).message)}`;
      issues.push({
        severity: 'error',
        code: 'yaml-syntax',
        message,
        path: [],
        position: { line: 1, col: 1 },
      });
    }
  }

  const positionOf = (path: readonly PathSegment[], atKey = false): SourcePosition => {
    let node: unknown = doc.contents;
    let best: SourcePosition =
      node && (node as Node).range ? at((node as Node).range![0]) : { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) return best;
        const keyNode = pair.key as Node;
        if (last && atKey && keyNode.range) return at(keyNode.range[0]);
        node = pair.value;
        const target = (node as Node | null)?.range ? (node as Node) : keyNode;
        if (target.range) best = at(target.range[0]);
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if ((node as Node | undefined)?.range) best = at((node as Node).range![0]);
        else return best;
      } else {
        return best;
      }
    }
    return best;
  };

  return { value, issues, positionOf };
}
