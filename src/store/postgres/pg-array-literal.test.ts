import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { arrayElement, arrayLiteral } from './pg-array-literal.js';

/** node-postgres's own conversion of a JS array parameter (what the store sent before). */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (v: unknown) => unknown;
};

describe('PostgreSQL array literals', () => {
  it('are the text node-postgres makes of the same array', () => {
    const texts = fc.array(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constantFrom('\\', '"', '\\"', '{', ',', 'NULL', ''),
        fc.constant(null),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(texts, (t) => {
        expect(arrayLiteral(t)).toBe(prepareValue(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('quotes numbers as node-postgres does (the at_ms column)', () => {
    for (const n of [0, 1764538000123, 2 ** 53 - 1]) {
      expect(`{${arrayElement(String(n))}}`).toBe(prepareValue([n]));
    }
  });
});
