/** Units a duration or offset may use, largest first: they must appear in this order, each at most once. */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** `1h30m`, `30s`, `2d`, `0s`: units d, h, m, s in that order, each once. */
export const DURATION_PATTERN = '^(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

/**
 * Parses a duration such as `1h30m` into milliseconds; returns undefined when the text is not one.
 *
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number | undefined {
  if (text === '' || !DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([dhms])/g)) {
    total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Formats milliseconds as the shortest duration text (`1h30m`, `45s`, `0s`); sub-second parts are rounded.
 *
 * @example formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  let rest = Math.round(Math.abs(ms) / 1000) * 1000;
  if (rest === 0) return '0s';
  let text = '';
  // Days are not used when formatting: people write and read T-24h, not T-1d.
  for (const [unit, size] of Object.entries(UNIT_MS).filter(([u]) => u !== 'd')) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return ms < 0 ? `-${text}` : text;
}
