import { formatDuration, parseDuration } from './duration.js';

/** `T-24h`, `T-1h30m`, `T+4h`, `T-0`, `T+0`. */
export const OFFSET_PATTERN = '^T(?:[-+]0|[-+](?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?)$';
const OFFSET_RE = new RegExp(OFFSET_PATTERN);

/**
 * Parses a T-offset into signed milliseconds relative to T-0; undefined when the text is not one.
 *
 * @example parseOffset('T-1h30m') // -5_400_000
 */
export function parseOffset(text: string): number | undefined {
  if (!OFFSET_RE.test(text) || text.length < 3) return undefined;
  const sign = text[1] === '-' ? -1 : 1;
  const body = text.slice(2);
  const ms = body === '0' ? 0 : parseDuration(body);
  if (ms === undefined) return undefined;
  return ms === 0 ? 0 : sign * ms;
}

/**
 * Formats signed milliseconds relative to T-0 as an offset.
 *
 * @example formatOffset(-5_400_000) // 'T-1h30m'
 */
export function formatOffset(ms: number): string {
  if (Math.round(ms / 1000) === 0) return 'T-0';
  return `T${ms < 0 ? '-' : '+'}${formatDuration(Math.abs(ms))}`;
}
