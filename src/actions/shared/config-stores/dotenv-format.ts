import type { ConfigValue } from './config-value.js';
import type { FileDocument, FileFormat } from './file-format.js';
import { parseError } from './file-format.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const LINE = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)(.*)$/;
const BARE_SAFE = /^[A-Za-z0-9_./:@+,%=-]+$/;

interface Entry {
  readonly key: string;
  /** First and last physical line (a quoted value may span lines). */
  readonly first: number;
  readonly last: number;
  /** `  export KEY=` as written, kept when the value is rewritten. */
  readonly head: string;
  readonly quote: '' | "'" | '"' | '`';
  /** Whatever followed the value on its last line (` # comment`), kept. */
  readonly tail: string;
  readonly value: string;
}

/** Reads a double-quoted dotenv value's escapes the way the dotenv package does (\n, \r, \t, \", \\). */
const unescapeDouble = (s: string) =>
  s.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);

/**
 * A .env file edited line by line: comments, blank lines, order, `export ` prefixes, quoting style and
 * trailing comments stay as they are; only the value of a changed key is rewritten. Hand-written because the
 * dotenv packages parse but never write back (none keeps comments).
 */
class DotenvDocument implements FileDocument {
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
      const line = lines[i]!;
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const m = LINE.exec(line);
      if (!m) {
        // Name what is wrong without echoing the line: it may hold a password.
        const word = /^\s*([^\s=]{1,40})/.exec(line)?.[1] ?? '';
        throw parseError(
          this.file,
          i + 1,
          `expected KEY=VALUE, a comment or a blank line; the line starting "${word}" has no '=' after a valid key name`,
        );
      }
      const [, indent = '', exp = '', key = '', sep = '', rest = ''] = m;
      const head = `${indent}${exp}${key}${sep}`;
      const q = rest[0];
      if (q === '"' || q === "'" || q === '`') {
        let body = rest.slice(1);
        let last = i;
        let close = findClose(body, q);
        while (close < 0 && last + 1 < lines.length) {
          last += 1;
          body += `\n${lines[last]!}`;
          close = findClose(body, q);
        }
        if (close < 0) {
          throw parseError(this.file, i + 1, `the value of ${key} opens a ${q} quote that never closes`);
        }
        const tail = body.slice(close + 1);
        if (tail.trim() !== '' && !tail.trim().startsWith('#')) {
          throw parseError(
            this.file,
            last + 1,
            `unexpected text after the closing ${q} quote of ${key}: only a # comment may follow`,
          );
        }
        const raw = body.slice(0, close);
        entries.push({
          key,
          first: i,
          last,
          head,
          quote: q,
          tail,
          value: q === '"' ? unescapeDouble(raw) : raw,
        });
        i = last;
      } else {
        const comment = /\s#/.exec(rest);
        const value = (comment ? rest.slice(0, comment.index) : rest).trim();
        const tail = comment ? rest.slice(comment.index) : '';
        entries.push({ key, first: i, last: i, head, quote: '', tail, value });
      }
    }
    this.#entries = entries;
  }

  /** dotenv lets the last assignment of a key win. */
  #entry(key: string): Entry | undefined {
    return this.#entries.findLast((e) => e.key === key);
  }

  get(key: string): ConfigValue | undefined {
    return this.#entry(key)?.value;
  }

  set(key: string, value: ConfigValue): void {
    const text = String(value);
    const entry = this.#entry(key);
    if (!entry) {
      if (this.#lines.length > 0 && this.#lines[this.#lines.length - 1] === '') {
        this.#lines.splice(this.#lines.length - 1, 0, `${key}=${render(text, '')}`);
      } else this.#lines.push(`${key}=${render(text, '')}`, '');
    } else {
      const line = `${entry.head}${render(text, entry.quote)}${entry.tail}`;
      this.#lines.splice(entry.first, entry.last - entry.first + 1, ...line.split('\n'));
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

/** Index of the closing quote in `body` (a double quote may be escaped), or -1. */
function findClose(body: string, q: string): number {
  for (let i = 0; i < body.length; i++) {
    if (q === '"' && body[i] === '\\') i++;
    else if (body[i] === q) return i;
  }
  return -1;
}

/** A value in the quoting its line already used when that can hold it, else the safest that can. */
function render(value: string, quote: Entry['quote']): string {
  const single = !value.includes("'") && !value.includes('\n');
  if (quote === "'" && single) return `'${value}'`;
  if (quote === '`' && !value.includes('`')) return `\`${value}\``;
  if (quote === '' && (value === '' || BARE_SAFE.test(value))) return value;
  // `$` would be expanded by dotenv-expand inside double quotes: single quotes keep it literal.
  if (value.includes('$') && single) return `'${value}'`;
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
  return `"${escaped}"`;
}

export const dotenvFormat: FileFormat = {
  name: 'dotenv',
  textOnly: true,
  checkKey: (key) =>
    KEY.test(key)
      ? undefined
      : `${JSON.stringify(key)} is not a dotenv variable name (letters, digits, _ . -; not starting with a digit)`,
  parse: (text, file) => new DotenvDocument(text, file),
};
