import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonical-json.js';
import { hashedBody } from '../../core/run/run-event.js';
import { keyIdOf } from './journal-key.js';
import type { EventBody } from './journal-seal.js';
import {
  eventBodyText,
  eventMac,
  keyedEventHash,
  legacyEventHash,
  sealEvent,
  witnessMac,
} from './journal-seal.js';

/** Every event type the engine writes, read from the union's source (so a new type is covered too). */
const EVENT_TYPES = [
  ...new Set(
    [
      ...readFileSync(new URL('../../core/run/run-event.ts', import.meta.url), 'utf8').matchAll(
        /type: '([a-z_.]+)'/g,
      ),
    ].map((m) => m[1]!),
  ),
];

/** The seal as it was computed before the fast path: the general canonicaliser, the secret as a Buffer. */
const reference = {
  body: (e: EventBody) => canonicalJson(hashedBody(e)),
  hmac: (secret: Buffer, ...parts: string[]) => {
    const h = createHmac('sha256', secret);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  },
};

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('1', '10', '2', '__proto__x', 'type')), tie('v'), {
      maxKeys: 5,
    }),
  ),
})).v;
const data = fc
  .tuple(fc.constantFrom(...EVENT_TYPES), fc.dictionary(text, value, { maxKeys: 6 }))
  .map(([type, rest]) => ({ ...rest, type }));
const number = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 53 - 1 }),
  fc.double(),
  fc.constantFrom(-0, 1e21, NaN),
);
const body = fc.record({
  runId: fc.oneof(text, fc.constant(undefined as unknown as string)),
  seq: number,
  atMs: number,
  actor: fc.oneof(text, fc.constantFrom('system', 'auto')),
  data,
}) as fc.Arbitrary<EventBody>;

describe('journal seal', () => {
  it('covers every event type of the union', () => {
    expect(EVENT_TYPES.length).toBeGreaterThan(20);
    expect(EVENT_TYPES).toContain('step.succeeded');
  });

  it('builds the same canonical text as the general canonicaliser, for every event type and random data', () => {
    fc.assert(
      fc.property(body, (e) => {
        expect(eventBodyText(e)).toBe(reference.body(e));
      }),
      { numRuns: 3000 },
    );
  });

  it('seals, chains and witnesses with the same bytes as before (HMAC over the parts, the secret as given)', () => {
    const secret = randomBytes(32);
    const key = { id: keyIdOf(secret), secret };
    fc.assert(
      fc.property(
        body,
        fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
        (e, prev) => {
          const canonical = reference.body(e);
          const seal = sealEvent(key, prev, e);
          expect(seal.hash).toBe(reference.hmac(secret, 'tminus chain\n', prev, canonical));
          expect(seal.mac).toBe(reference.hmac(secret, 'tminus event\n', canonical));
          expect(keyedEventHash(key, prev, e)).toBe(seal.hash);
          expect(eventMac(key, e)).toBe(seal.mac);
          const legacy = createHash('sha256').update(prev).update(canonical).digest('hex');
          expect(legacyEventHash(prev, e)).toBe(legacy);
          expect(sealEvent(undefined, prev, e)).toEqual({ hash: legacy, mac: null });
        },
      ),
      { numRuns: 1000 },
    );
    expect(witnessMac(key, 's1', 'r1', 7, 'ab')).toBe(
      reference.hmac(secret, 'tminus witness\n', 's1\nr1\n7\nab'),
    );
  });
});
