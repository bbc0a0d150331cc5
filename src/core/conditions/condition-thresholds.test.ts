import { describe, expect, it } from 'vitest';
import { conditionThresholds } from './condition-thresholds.js';

describe('conditionThresholds', () => {
  it('reads a comparison of result with a number, either way round', () => {
    expect(conditionThresholds('result > 0.05')).toEqual([{ op: '>', value: 0.05 }]);
    expect(conditionThresholds('0.05 < result[0]')).toEqual([{ op: '>', value: 0.05 }]);
    expect(conditionThresholds('result <= -3')).toEqual([{ op: '<=', value: -3 }]);
  });

  it('finds every limit under and/or', () => {
    expect(conditionThresholds('result < 10 or result >= 250')).toEqual([
      { op: '<', value: 10 },
      { op: '>=', value: 250 },
    ]);
  });

  it('gives nothing for what has no line to draw, or an invalid condition', () => {
    expect(conditionThresholds(undefined)).toEqual([]);
    expect(conditionThresholds('len(result) == 0')).toEqual([]);
    expect(conditionThresholds('result * 2 > 4')).toEqual([]);
    expect(conditionThresholds('result > ')).toEqual([]);
    expect(conditionThresholds('result == 3')).toEqual([]);
  });
});
