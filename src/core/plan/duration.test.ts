import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { formatOffset, parseOffset } from './offset.js';

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['0s', 0],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', '1m1h', '1h 30m', '1.5h', '10M', '-5m', '5mm', 'h', '1h30m0'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats the shortest text, in hours rather than days', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(86_400_000)).toBe('24h');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('offsets', () => {
  it.each([
    ['T-24h', -86_400_000],
    ['T-1h30m', -5_400_000],
    ['T+4h', 14_400_000],
    ['T-0', 0],
    ['T+0', 0],
  ])('parses %s', (text, ms) => expect(parseOffset(text)).toBe(ms));

  it.each(['T-', 'T4h', 'T--4h', 'T-4x', '-4h', 'T -4h', 't-4h', 'T-4h ', 'T-00'])('rejects %j', (text) =>
    expect(parseOffset(text)).toBeUndefined(),
  );

  it('round-trips through formatOffset', () => {
    for (const text of ['T-24h', 'T-1h30m', 'T+4h', 'T-0', 'T+45s']) {
      expect(formatOffset(parseOffset(text)!)).toBe(text);
    }
  });
});
