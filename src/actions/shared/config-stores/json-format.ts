import type { Node, ParseError } from 'jsonc-parser';
import {
  applyEdits,
  findNodeAtLocation,
  getNodeValue,
  modify,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import type { JsonPathStep } from '../../../core/conditions/json-path.js';
import { parseJsonPath } from '../../../core/conditions/json-path.js';
import type { ConfigValue } from './config-value.js';
import type { FileDocument, FileFormat } from './file-format.js';
import { parseError, wrongType } from './file-format.js';

/** Line and column (1-based) of an offset, for messages. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

export const keySteps = (key: string): JsonPathStep[] => {
  const parsed = parseJsonPath(key);
  if ('error' in parsed) throw new Error(parsed.error); // checkKey ran first
  return parsed.steps;
};

export const checkPathKey = (key: string): string | undefined => {
  const parsed = parseJsonPath(key);
  if ('error' in parsed) return parsed.error;
  return parsed.steps.length === 0 ? `${JSON.stringify(key)} names the whole document, not a key` : undefined;
};

/**
 * A JSON file (comments allowed, as in JSONC) edited with jsonc-parser's `modify`: each change is a minimal
 * text edit at the value's position, so indentation, key order, spacing and comments elsewhere stay as they
 * are. Keys are JSON paths (`database.host`, `servers[0].url`, `['key.with.dots']`).
 */
class JsonDocument implements FileDocument {
  #text: string;
  #root: Node;
  readonly #indent: { insertSpaces: boolean; tabSize: number; eol: string };

  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.#text = text;
    this.#root = this.#parse(text);
    const indent = /^[ \t]+(?=\S)/m.exec(text)?.[0] ?? '  ';
    this.#indent = {
      insertSpaces: !indent.startsWith('\t'),
      tabSize: indent.startsWith('\t') ? 1 : indent.length,
      eol: text.includes('\r\n') ? '\r\n' : '\n',
    };
  }

  #parse(text: string): Node {
    const errors: ParseError[] = [];
    const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
    const first = errors[0];
    if (first) {
      const { line, col } = lineCol(text, first.offset);
      throw parseError(this.file, line, `not valid JSON: ${describe(printParseErrorCode(first.error))}`, col);
    }
    if (!root || root.type !== 'object') {
      throw parseError(this.file, 1, 'the document is not a JSON object of settings');
    }
    return root;
  }

  get(key: string): ConfigValue | undefined {
    const node = findNodeAtLocation(this.#root, keySteps(key));
    if (!node) return undefined;
    if (node.type === 'object' || node.type === 'array') {
      throw wrongType(this.file, key, node.type === 'object' ? 'an object' : 'a list');
    }
    return getNodeValue(node) as ConfigValue;
  }

  #edit(key: string, value: ConfigValue | undefined): void {
    const edits = modify(this.#text, keySteps(key), value, { formattingOptions: this.#indent });
    this.#text = applyEdits(this.#text, edits);
    this.#root = this.#parse(this.#text);
  }

  set(key: string, value: ConfigValue): void {
    this.#edit(key, value);
  }

  delete(key: string): void {
    if (findNodeAtLocation(this.#root, keySteps(key))) this.#edit(key, undefined);
  }

  toString(): string {
    return this.#text;
  }
}

const describe = (code: string): string => code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

export const jsonFormat: FileFormat = {
  name: 'json',
  textOnly: false,
  checkKey: checkPathKey,
  parse: (text, file) => new JsonDocument(text, file),
};
