import fc from 'fast-check';
import { createRequire } from 'node:module';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { bindExecuteSync } from './append-message.js';

/** node-postgres's own mapping of a parameter to what it sends (what `Query.prepare` passes to `bind`). */
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (v: unknown) => unknown;
};

/** The bytes node-postgres's connection writes for `Query.prepare`'s Bind, Execute and Sync of a statement. */
function nodePostgres(statement: string, values: readonly unknown[]): Buffer {
  const written: Buffer[] = [];
  const stream = { writable: true, write: (b: Buffer) => written.push(Buffer.from(b)) > 0, on: () => stream };
  const Connection = (pg as unknown as { Connection: new (c: { stream: unknown }) => PgConnectionLike })
    .Connection;
  const c = new Connection({ stream });
  c.bind({ portal: '', statement, values, binary: false, valueMapper: prepareValue });
  c.execute({ portal: '' });
  c.sync();
  return Buffer.concat(written);
}

interface PgConnectionLike {
  bind(config: object): void;
  execute(config: object): void;
  sync(): void;
}

describe("the append's Bind, Execute and Sync in one buffer", () => {
  it('are the bytes node-postgres sends for the same statement and parameters', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', '{"type":"step.started"}', 'f'.repeat(64)),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('tminus_append_9_2', 'tminus_append_9_n_fenced', ''),
        fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 30 }),
        (statement, values) => {
          expect(bindExecuteSync(statement, values).equals(nodePostgres(statement, values))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
