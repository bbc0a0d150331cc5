import { describe, expect, it } from 'vitest';
import { plainDecimal, roundDecimal, trimScale } from './decimal-text.js';

describe('decimal text', () => {
  it('expands exponents into plain decimals', () => {
    expect(plainDecimal('2.5e-7')).toBe('0.00000025');
    expect(plainDecimal('1e+20')).toBe('100000000000000000000');
    expect(plainDecimal('-1.25e2')).toBe('-125');
    expect(plainDecimal('123.45')).toBe('123.45');
  });

  it('rounds half away from zero like PostgreSQL and MariaDB', () => {
    expect(roundDecimal('1.005', 2)).toBe('1.01');
    expect(roundDecimal('2.5', 0)).toBe('3');
    expect(roundDecimal('-2.5', 0)).toBe('-3');
    expect(roundDecimal('9.999', 2)).toBe('10.00');
    expect(roundDecimal('0.1', 6)).toBe('0.100000');
    expect(roundDecimal('-0.0000001', 6)).toBe('0.000000');
    expect(roundDecimal('123456789012.34567', 6)).toBe('123456789012.345670');
    expect(roundDecimal('0.00000025', 6)).toBe('0.000000');
    expect(roundDecimal('-0.0000005', 6)).toBe('-0.000001');
  });

  it('trims trailing zeros', () => {
    expect(trimScale('12.500')).toBe('12.5');
    expect(trimScale('12.000')).toBe('12');
    expect(trimScale('-0.0')).toBe('0');
  });
});
