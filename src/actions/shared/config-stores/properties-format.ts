import type { ConfigValue } from './config-value.js';
import type { FileDocument, FileFormat } from './file-format.js';
import { parseError } from './file-format.js';

interface Entry {
  readonly key: string;
  readonly first: number;
  readonly last: number;
  /** The key and separator as written (`db.host = `), kept when the value is rewritten. */
  readonly head: string;
  readonly value: string;
}

/** A physical line ends in an odd number of backslashes: the logical line continues on the next one. */
const continues = (line: string) => (/(\\+)$/.exec(line)?.[1]?.length ?? 0) % 2 === 1;

/**
 * Java properties (`java.util.Properties.load`): `key=value`, `key: value` or `key value`, `#`/`!` comments,
 * backslash line continuations, `\uXXXX` and `\t \n \r \f` escapes. Edited by logical line so comments,
 * order and the untouched lines stay byte for byte. Hand-written: the npm packages either do not write back
 * or re-serialise the whole file.
 */
class PropertiesDocument implements FileDocument {
  #lines: string[];
  readonly #eol: string;
  #entries: Entry[] = [];

  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.#eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.#lines = text.split(/\r?\n/);
    this.#parse();
  }

  #parse(): void {
    const entries: Entry[] = [];
    const lines = this.#lines;
    for (let i = 0; i < lines.length; i++) {
      const start = lines[i]!.replace(/^[ \t\f]+/, '');
      if (start === '' || start.startsWith('#') || start.startsWith('!')) continue;
      let logical = start;
      let last = i;
      while (continues(logical) && last + 1 < lines.length) {
        last += 1;
        logical = logical.slice(0, -1) + lines[last]!.replace(/^[ \t\f]+/, '');
      }
      if (continues(logical)) logical = logical.slice(0, -1);
      // The key ends at the first unescaped '=', ':' or whitespace.
      let k = 0;
      while (k < logical.length && !/[=: \t\f]/.test(logical[k]!)) k += logical[k] === '\\' ? 2 : 1;
      const sep = /^[ \t\f]*[=:]?[ \t\f]*/.exec(logical.slice(k))?.[0] ?? '';
      const rawKey = logical.slice(0, k);
      const first = lines[i]!;
      entries.push({
        key: this.#unescape(rawKey, i),
        first: i,
        last,
        head: first.slice(0, first.length - start.length) + rawKey + sep,
        value: this.#unescape(logical.slice(k + sep.length), i),
      });
      i = last;
    }
    this.#entries = entries;
  }

  #unescape(s: string, line: number): string {
    return s.replace(/\\(u(.{0,4})|.)/g, (_all, esc: string, hex: string | undefined) => {
      if (hex !== undefined) {
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw parseError(this.file, line + 1, `malformed \\uXXXX escape "\\u${hex}"`);
        }
        return String.fromCharCode(parseInt(hex, 16));
      }
      return { t: '\t', n: '\n', r: '\r', f: '\f' }[esc] ?? esc;
    });
  }

  /** `Properties.load` lets the last occurrence of a key win. */
  #entry(key: string): Entry | undefined {
    return this.#entries.findLast((e) => e.key === key);
  }

  get(key: string): ConfigValue | undefined {
    return this.#entry(key)?.value;
  }

  set(key: string, value: ConfigValue): void {
    const text = escapeValue(String(value));
    const entry = this.#entry(key);
    if (!entry) {
      const line = `${escapeKey(key)}=${text}`;
      if (this.#lines[this.#lines.length - 1] === '') this.#lines.splice(this.#lines.length - 1, 0, line);
      else this.#lines.push(line, '');
    } else {
      this.#lines.splice(entry.first, entry.last - entry.first + 1, `${entry.head}${text}`);
    }
    this.#parse();
  }

  delete(key: string): void {
    for (let e = this.#entry(key); e; e = this.#entry(key)) {
      this.#lines.splice(e.first, e.last - e.first + 1);
      this.#parse();
    }
  }

  toString(): string {
    return this.#lines.join(this.#eol);
  }
}

/** Escapes as `Properties.store` does; non-ASCII as \uXXXX so the file reads the same as Latin-1 or UTF-8. */
function escape(s: string, isKey: boolean): string {
  let out = '';
  for (const [i, ch] of [...s].entries()) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\f') out += '\\f';
    else if (ch === ' ' && (isKey || i === 0)) out += '\\ ';
    else if ('=:#!'.includes(ch) && (isKey || i === 0)) out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) {
      // A character outside the BMP becomes its two UTF-16 halves, as Java writes it.
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}
const escapeKey = (s: string) => escape(s, true);
const escapeValue = (s: string) => escape(s, false);

export const propertiesFormat: FileFormat = {
  name: 'properties',
  textOnly: true,
  checkKey: (key) => (key === '' ? 'a properties key cannot be empty' : undefined),
  parse: (text, file) => new PropertiesDocument(text, file),
};
