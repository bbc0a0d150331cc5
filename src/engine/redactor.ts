/** Secret values shorter than this are not masked: masking "1" or "ab" would shred every log line. */
const MIN_SECRET_LENGTH = 4;

/**
 * Remembers every secret value resolved in this process and masks them as `***` in any text or JSON value
 * before it is stored, logged or printed.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  add(value: string): void {
    const v = value.trim();
    if (v.length >= MIN_SECRET_LENGTH) this.#secrets.add(v);
    if (value.length >= MIN_SECRET_LENGTH) this.#secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is masked whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out;
  }

  /** Masks every string inside a JSON-like value. */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    return walk(value, (s) => this.redact(s)) as T;
  }
}

function walk(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, fn)]));
  }
  return value;
}
