const SPECIAL = /[\\"]/g;

/**
 * One element of a PostgreSQL array literal: `NULL`, or the text quoted with `\` and `"` escaped — the
 * same text node-postgres makes of an array's element (`escapeElement` in `pg/lib/utils.js`), in one pass.
 * `pg-array-literal.test.ts` compares whole literals with node-postgres's own over random texts.
 */
export const arrayElement = (text: string | null): string =>
  text === null ? 'NULL' : `"${text.replace(SPECIAL, '\\$&')}"`;

/** A whole literal: `{"a","b\"c",NULL}`, as node-postgres would send the JS array. */
export const arrayLiteral = (texts: readonly (string | null)[]): string =>
  `{${texts.map(arrayElement).join(',')}}`;
