/**
 * Exact decimal text arithmetic for values rendered in Node (SQLite): expanding exponents and rounding half
 * away from zero, as PostgreSQL `round(numeric)` and MySQL `CAST(... AS DECIMAL(65,s))` do.
 */

/** Plain (no exponent) decimal text of a number-like text, e.g. `2.5e-7` → `0.00000025`. */
export function plainDecimal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m) return text;
  const sign = m[1] === '-' ? '-' : '';
  let int = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0');
  if (exp > 0) {
    frac = frac.padEnd(exp, '0');
    int += frac.slice(0, exp);
    frac = frac.slice(exp);
  } else if (exp < 0) {
    int = int.padStart(-exp + 1, '0');
    frac = int.slice(int.length + exp) + frac;
    int = int.slice(0, int.length + exp);
  }
  int = int.replace(/^0+(?=\d)/, '') || '0';
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

/** Rounds decimal text to `scale` places, half away from zero; never returns negative zero. */
export function roundDecimal(text: string, scale: number): string {
  const plain = plainDecimal(text);
  const negative = plain.startsWith('-');
  const body = negative ? plain.slice(1) : plain;
  const [intPart = '0', fracPart = ''] = body.split('.');
  let digits = intPart + fracPart.padEnd(scale, '0').slice(0, scale);
  const next = fracPart.charCodeAt(scale);
  if (next >= 0x35 /* '5' */ && next <= 0x39) digits = incrementDigits(digits);
  digits = digits.replace(/^0+(?=\d)/, '');
  const intLen = digits.length - scale;
  const padded = intLen <= 0 ? digits.padStart(scale + 1, '0') : digits;
  const cut = padded.length - scale;
  const result = scale > 0 ? `${padded.slice(0, cut)}.${padded.slice(cut)}` : padded;
  return negative && /[1-9]/.test(result) ? `-${result}` : result;
}

/** Decimal text without trailing fractional zeros (PostgreSQL `trim_scale`). */
export function trimScale(text: string): string {
  const plain = plainDecimal(text);
  if (!plain.includes('.')) return plain === '-0' ? '0' : plain;
  const trimmed = plain.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

function incrementDigits(digits: string): string {
  const chars = digits.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    if (chars[i] === '9') {
      chars[i] = '0';
    } else {
      chars[i] = String(Number(chars[i]) + 1);
      return chars.join('');
    }
  }
  return `1${chars.join('')}`;
}
