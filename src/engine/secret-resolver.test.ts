import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';
import { ScaledClock } from './scaled-clock.js';
import { holdsSecretRefs, resolveSecrets } from './secret-resolver.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secret references', () => {
  it('resolves env and file references anywhere in the parameters and registers the values', () => {
    writeFileSync(join(dir, 'db.pass'), 'file-secret-1\n');
    const redactor = new Redactor();
    const out = resolveSecrets(
      { url: 'postgres://app:${file:db.pass}@db/x', headers: [{ auth: 'Bearer ${env:TOKEN}' }], n: 3 },
      { env: { TOKEN: 'env-secret-2' }, baseDir: dir },
      redactor,
    );
    expect(out).toEqual({
      url: 'postgres://app:file-secret-1@db/x',
      headers: [{ auth: 'Bearer env-secret-2' }],
      n: 3,
    });
    expect(redactor.redact('login app:file-secret-1 with env-secret-2')).toBe('login app:*** with ***');
    expect(redactor.redactValue({ a: ['env-secret-2'] })).toEqual({ a: ['***'] });
  });

  it('names the missing reference, never a value, and says retrying will not help', () => {
    const redactor = new Redactor();
    expect(() => resolveSecrets({ a: '${env:MISSING_ONE}' }, { env: {}, baseDir: dir }, redactor)).toThrow(
      expect.objectContaining({
        code: 'SECRET_UNRESOLVED',
        retryable: false,
        message: expect.stringContaining('MISSING_ONE') as string,
      }),
    );
    expect(() => resolveSecrets('${file:nope.txt}', { env: {}, baseDir: dir }, redactor)).toThrow(
      /cannot read secret file .*nope\.txt/,
    );
  });

  it('does not mask values too short to be secrets', () => {
    const redactor = new Redactor();
    redactor.add('ab');
    expect(redactor.redact('abc')).toBe('abc');
  });
});

describe('whether parameters hold a secret reference', () => {
  it('finds one wherever resolveSecrets would substitute it, and none in plain or malformed text', () => {
    expect(holdsSecretRefs({ url: 'https://x', retries: 3, tags: ['a', { b: 'c' }] })).toBe(false);
    expect(holdsSecretRefs({ tags: ['a', { b: 'pw=${env:DB_PASSWORD}' }] })).toBe(true);
    const params = { headers: { authorization: 'Bearer ${file:token.txt}' } };
    expect(holdsSecretRefs(params)).toBe(true);
    expect(holdsSecretRefs(params)).toBe(true); // kept per object
    expect(holdsSecretRefs({ text: '${nope' })).toBe(false);
    expect(resolveSecrets({ text: '${nope' }, { env: {}, baseDir: '/' }, new Redactor())).toEqual({
      text: '${nope',
    });
  });
});

describe('the scaled clock', () => {
  it('runs the run clock speed times faster than real time from its anchor', () => {
    let real = 1_000;
    const clock = new ScaledClock({ atMs: 50_000, realMs: 1_000, speed: 600 }, () => real);
    expect(clock.now()).toBe(50_000);
    real += 1_000;
    expect(clock.now()).toBe(50_000 + 600_000);
  });

  it('sleeps the scaled-down real time', async () => {
    const clock = new ScaledClock({ atMs: 0, realMs: Date.now(), speed: 1000 });
    const started = Date.now();
    await clock.sleep(60_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
