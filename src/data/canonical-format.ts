/**
 * The canonical row rendering shared by every dialect. Each compared value is first rendered to text by
 * explicit per-type rules (see the dialect renderers), then wrapped as `<chars>:<text>` — or `-` for NULL —
 * and the wrapped values are concatenated. The wrapping makes the rendering injective: NULL, the empty string,
 * a literal `-` or `<null>` and values containing any separator all produce different strings.
 *
 * The row hash is the last 12 hex digits of the MD5 of that string as an unsigned 48-bit integer; a segment's
 * checksum is the exact count and sum of its row hashes.
 */
export const CANONICAL = {
  /** Floats with an absolute value below this are rendered in fixed-point; above, as shortest round-trip text. */
  floatFixedLimit: '1e30',
  /** Default decimal places floats are rounded to before comparing. */
  defaultFloatDecimals: 10,
  /** Hex digits of the MD5 used as the row hash (48 bits). */
  rowHashHexDigits: 12,
  /** Hex digits of the MD5 of the key used to assign key-hash buckets (32 bits). */
  keyHashBits: 32,
} as const;

/** Number of Unicode code points in a string (what SQL `length`/`CHAR_LENGTH` count in UTF-8 text). */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

/** Wraps one rendered value the canonical way. */
export function wrapCanonical(value: string | null): string {
  return value === null ? '-' : `${codePointLength(value)}:${value}`;
}
