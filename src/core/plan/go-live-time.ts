import { parseDuration } from './duration.js';

/**
 * Parses a T-0 given on the command line: an ISO-8601 time with a zone, or `now`, `now+10m`, `now-1h`.
 * Returns epoch milliseconds, or undefined when the text is neither.
 *
 * @example parseGoLive('now+10m', Date.parse('2026-01-01T00:00:00Z')) // 2026-01-01T00:10:00Z
 */
export function parseGoLive(text: string, nowMs: number): number | undefined {
  const relative = /^now(?:([+-])(.+))?$/.exec(text.trim());
  if (relative) {
    if (relative[1] === undefined) return nowMs;
    const ms = parseDuration(relative[2] ?? '');
    return ms === undefined ? undefined : nowMs + (relative[1] === '-' ? -ms : ms);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
