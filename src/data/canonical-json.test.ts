import { describe, expect, it } from 'vitest';
import { JSON_PAIRS } from '../../test/support/data-corpus.js';
import { canonicalJson, canonicalJsonNumber } from './canonical-json.js';

describe('canonicalJson', () => {
  it('maps both spellings of every corpus document to one text', () => {
    for (const [a, b] of JSON_PAIRS) expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('sorts keys, drops spacing and keeps JSON null apart from the string "null"', () => {
    expect(canonicalJson('{"b": 1, "a": [true, false, null]}')).toBe('{"a":[true,false,null],"b":1}');
    expect(canonicalJson('null')).toBe('null');
    expect(canonicalJson('"null"')).toBe('"null"');
    expect(canonicalJson('"[1,2]"')).not.toBe(canonicalJson('[1,2]'));
  });

  it('compares numbers by value without losing digits', () => {
    expect(canonicalJsonNumber('1.0')).toBe('1');
    expect(canonicalJsonNumber('1e2')).toBe('100');
    expect(canonicalJsonNumber('-0.0')).toBe('0');
    expect(canonicalJsonNumber('0.0000001')).toBe('1e-7');
    expect(canonicalJsonNumber('0.000001')).toBe('0.000001');
    expect(canonicalJsonNumber('12345678901234567891')).toBe('12345678901234567891');
    expect(canonicalJsonNumber('1.5E+300')).toBe('1.5e+300');
    expect(canonicalJson('[12345678901234567890]')).not.toBe(canonicalJson('[12345678901234567891]'));
  });

  it('keeps the last of duplicate keys, as jsonb does, and leaves invalid JSON as it is', () => {
    expect(canonicalJson('{"a":1,"a":2}')).toBe('{"a":2}');
    expect(canonicalJson('{a:1}')).toBe('{a:1}');
    expect(canonicalJson('')).toBe('');
  });
});
