import { describe, expect, it } from 'vitest';
import { describeStatusExpectation, matchesStatus, statusExpectation } from './status-expectation.js';

describe('status expectation', () => {
  it('matches exact codes, lists, classes and ranges', () => {
    expect(matchesStatus(200, 200)).toBe(true);
    expect(matchesStatus(204, [200, 204])).toBe(true);
    expect(matchesStatus(302, '3xx')).toBe(true);
    expect(matchesStatus(299, '200-299')).toBe(true);
    expect(matchesStatus(300, '200-299')).toBe(false);
    expect(matchesStatus(404, ['2xx', 404])).toBe(true);
    expect(matchesStatus(500, ['2xx', 404])).toBe(false);
  });

  it('describes itself for error messages', () => {
    expect(describeStatusExpectation(200)).toBe('200');
    expect(describeStatusExpectation([200, '3xx'])).toBe('one of 200, 3xx');
  });

  it('rejects codes and patterns that are not statuses', () => {
    for (const bad of [99, 600, '6xx', '2XX', 'ok', [], 200.5]) {
      expect(statusExpectation.safeParse(bad).success).toBe(false);
    }
  });
});
