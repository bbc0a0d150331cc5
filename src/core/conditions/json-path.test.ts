import { describe, expect, it } from 'vitest';
import { jsonEquals, parseJsonPath, selectJsonPath } from './json-path.js';

const doc = { status: 'ok', db: { ok: true, 'replica lag': 0 }, checks: [{ name: 'db' }, { name: 'cache' }] };

describe('JSON path subset', () => {
  it('selects keys, indexes and quoted keys, with or without $', () => {
    expect(selectJsonPath(doc, '$.status')).toEqual({ found: true, value: 'ok' });
    expect(selectJsonPath(doc, 'db.ok')).toEqual({ found: true, value: true });
    expect(selectJsonPath(doc, "$.db['replica lag']")).toEqual({ found: true, value: 0 });
    expect(selectJsonPath(doc, '$.checks[1].name')).toEqual({ found: true, value: 'cache' });
    expect(selectJsonPath(doc, '$')).toEqual({ found: true, value: doc });
  });

  it('says where a path leaves the document', () => {
    expect(selectJsonPath(doc, '$.checks[5].name')).toEqual({
      found: false,
      reason: '$.checks has no element [5]',
    });
    expect(selectJsonPath(doc, '$.db.ok.deeper')).toEqual({
      found: false,
      reason: "$.db.ok has no key 'deeper'",
    });
  });

  it('rejects syntax outside the subset with the position', () => {
    expect(parseJsonPath('$.checks[*].name')).toEqual({
      error: "cannot read JSON path '$.checks[*].name' at position 8 ('[*].name'): use $.key, [0] or ['key']",
    });
  });

  it('compares JSON values structurally, ignoring key order', () => {
    expect(jsonEquals({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
    expect(jsonEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEquals('1', 1)).toBe(false);
  });
});
