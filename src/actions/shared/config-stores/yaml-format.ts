import type { Document } from 'yaml';
import { isAlias, isCollection, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { ConfigValue } from './config-value.js';
import type { FileDocument, FileFormat } from './file-format.js';
import { parseError, wrongType } from './file-format.js';
import { checkPathKey, keySteps } from './json-format.js';

/**
 * A YAML file edited through the `yaml` package's Document API: a changed scalar keeps its node (so its
 * comment and, where the value allows, its quoting style), new keys are added to their mapping, and every
 * other node, comment and key order are written back as they were.
 */
class YamlDocument implements FileDocument {
  readonly #doc: Document.Parsed;

  constructor(
    text: string,
    private readonly file: string,
  ) {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      throw parseError(
        file,
        pos?.line ?? 1,
        `not valid YAML: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')}`,
        pos?.col,
      );
    }
    if (doc.contents !== null && !isMap(doc.contents)) {
      throw parseError(file, 1, 'the document is not a mapping of settings');
    }
    this.#doc = doc;
  }

  get(key: string): ConfigValue | undefined {
    const node: unknown = this.#doc.getIn(keySteps(key), true);
    if (node === undefined) return undefined;
    if (isAlias(node)) return this.#scalar(key, node.resolve(this.#doc));
    return this.#scalar(key, node);
  }

  #scalar(key: string, node: unknown): ConfigValue | undefined {
    if (isCollection(node)) throw wrongType(this.file, key, isSeq(node) ? 'a list' : 'a mapping');
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return v as ConfigValue;
      return String(v as string);
    }
    return undefined;
  }

  set(key: string, value: ConfigValue): void {
    const steps = keySteps(key);
    const node: unknown = this.#doc.getIn(steps, true);
    if (isScalar(node)) {
      node.value = value; // same node: its comments stay
      return;
    }
    this.#doc.setIn(steps, value);
  }

  delete(key: string): void {
    this.#doc.deleteIn(keySteps(key));
  }

  toString(): string {
    return this.#doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  }
}

export const yamlFormat: FileFormat = {
  name: 'yaml',
  textOnly: false,
  checkKey: checkPathKey,
  parse: (text, file) => new YamlDocument(text, file),
};
