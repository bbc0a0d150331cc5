/** Secret values shorter than this are not masked: masking "1" or "ab" would shred every log line. */
const MIN_SECRET_LENGTH = 4;
/** Base64 fragments of a secret at an unaligned offset shorter than this are not masked (too common). */
const MIN_FRAGMENT_LENGTH = 8;

/**
 * Remembers every secret value resolved in this process and masks them as `***` in any text or JSON value
 * before it is stored, logged or printed — together with the forms a secret commonly takes on its way out:
 * URL-encoded (`%2F`, form `+`), JSON-escaped (once and twice), base64 (standard and URL-safe, also inside a
 * longer encoded text such as `Basic dXNlcjpwYXNz…`), hex, and the password inside a URL-shaped secret.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  add(value: string): void {
    for (const v of new Set([value, value.trim()])) {
      if (v.length < MIN_SECRET_LENGTH) continue;
      for (const form of secretForms(v)) if (form.length >= MIN_SECRET_LENGTH) this.#secrets.add(form);
      for (const part of urlPasswords(v)) for (const form of secretForms(part)) this.#secrets.add(form);
    }
    this.#pattern = undefined;
  }

  redact(text: string): string {
    if (this.#secrets.size === 0) return text;
    // Longest first, so a secret containing another is masked whole.
    this.#pattern ??= new RegExp(
      [...this.#secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, '***');
  }

  /** Masks every string inside a JSON-like value. */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    return walk(value, (s) => this.redact(s)) as T;
  }
}

/** The secret and its common encodings. Exported for the secrets canary test, which scans for the same. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  const uri = encodeURIComponent(secret);
  forms.add(uri);
  forms.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2)); // form encoding: space as +
  forms.add(encodeURI(secret));
  try {
    forms.add(decodeURIComponent(secret)); // a secret given already encoded (a URL's password)
  } catch {
    // not percent-encoded text: nothing to add
  }
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  forms.add(JSON.stringify(json).slice(1, -1)); // JSON inside a JSON string (a logged request body)
  const bytes = Buffer.from(secret, 'utf8');
  forms.add(bytes.toString('hex'));
  for (const b64 of [bytes.toString('base64'), bytes.toString('base64url')]) forms.add(b64);
  // Inside a longer base64 text the secret starts at byte offset 0, 1 or 2 of a 3-byte group: the encoding
  // of its whole groups is the same whatever surrounds it (the edges mix with the neighbours' bits).
  for (let skip = 0; skip < 3; skip++) {
    const whole = Math.floor((bytes.length - skip) / 3) * 3;
    const part = bytes.subarray(skip, skip + whole);
    for (const enc of [part.toString('base64'), part.toString('base64url')]) {
      if (enc.length >= MIN_FRAGMENT_LENGTH) forms.add(enc);
    }
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** The password of a URL-shaped secret (`postgres://app:pw@db/x`), as written and decoded. */
function urlPasswords(value: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^/@\s]+)@/i.exec(value.trim());
  const pw = match?.[1];
  return pw !== undefined && pw.length >= MIN_SECRET_LENGTH ? [pw] : [];
}

function walk(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, fn)]));
  }
  return value;
}
