import { isLosslessNumber, parse, splitNumber } from 'lossless-json';

/*
 * JSON compared by value. lossless-json parses numbers without going through a double (so 12345678901234567890
 * and 12345678901234567891 stay apart); the canonical text is written here because no library writes the
 * form every engine's copy must map to: keys sorted by code point, no whitespace, strings as JSON.stringify
 * escapes them, numbers by value (`1.0`, `1`, `1e0` and `10e-1` are one number).
 */

/** The canonical text of a number: plain decimal from 1e-6 up to 1e21 (as JavaScript prints numbers), else `d.ddde±N`. */
export function canonicalJsonNumber(text: string): string {
  const { sign, digits, exponent } = splitNumber(text);
  if (digits === '0') return '0';
  if (exponent >= -6 && exponent < 21) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const int = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const frac = digits.slice(exponent + 1);
    return `${sign}${int}${frac ? `.${frac}` : ''}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

const byCodePoint = (a: string, b: string) => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

function write(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return canonicalJsonNumber(String(value));
  if (isLosslessNumber(value)) return canonicalJsonNumber(value.value);
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(object[k])}`).join(',')}}`;
}

/**
 * The canonical text of a JSON document, or the text unchanged when it is not JSON (then it can only equal the
 * same invalid text: canonical output is always valid JSON). Duplicate keys keep the last value, as
 * PostgreSQL `jsonb` does; such a document is parsed through doubles (lossless-json refuses duplicates).
 */
export function canonicalJson(text: string): string {
  try {
    return write(parse(text));
  } catch (error) {
    if (error instanceof SyntaxError && /Duplicate key/.test(error.message)) {
      try {
        return write(JSON.parse(text));
      } catch {
        return text;
      }
    }
    return text;
  }
}
