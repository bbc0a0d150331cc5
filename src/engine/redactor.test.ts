import { describe, expect, it } from 'vitest';
import { Redactor } from './redactor.js';

const SECRET = 'p@ss/w0rd+"quoted" & more=yes';

describe('the redactor', () => {
  const r = new Redactor();
  r.add(SECRET);

  it('masks the secret as written', () => {
    expect(r.redact(`password is ${SECRET}.`)).toBe('password is ***.');
  });

  it('masks it URL-encoded, form-encoded and with lower-case escapes', () => {
    const uri = encodeURIComponent(SECRET);
    expect(r.redact(`https://x/?pw=${uri}`)).toBe('https://x/?pw=***');
    expect(r.redact(`pw=${new URLSearchParams({ a: SECRET }).toString().slice(2)}`)).toBe('pw=***');
    expect(r.redact(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()))).toBe('***');
  });

  it('masks it JSON-escaped, once and twice', () => {
    expect(r.redact(JSON.stringify({ pw: SECRET }))).toBe('{"pw":"***"}');
    expect(r.redact(JSON.stringify(JSON.stringify({ pw: SECRET })))).toBe('"{\\"pw\\":\\"***\\"}"');
  });

  it('masks it base64-encoded, alone or inside a longer encoded text at any alignment', () => {
    expect(r.redact(Buffer.from(SECRET).toString('base64'))).toBe('***');
    expect(r.redact(Buffer.from(SECRET).toString('base64url'))).toBe('***');
    for (const prefix of ['', 'u:', 'ab:', 'abc:']) {
      const basic = Buffer.from(`${prefix}${SECRET}`).toString('base64');
      const masked = r.redact(`Authorization: Basic ${basic}`);
      expect(masked).toContain('***');
      // What is left around the mask is at most the two partial groups at either edge.
      expect(masked.replace('Authorization: Basic ', '').replace('***', '').length).toBeLessThanOrEqual(
        Math.ceil((prefix.length * 4) / 3) + 8,
      );
    }
  });

  it('masks it hex-encoded', () => {
    expect(r.redact(Buffer.from(SECRET).toString('hex'))).toBe('***');
  });

  it('masks the password of a URL-shaped secret on its own, encoded or decoded', () => {
    const urls = new Redactor();
    urls.add('postgres://app:s%2Fcr%40t-pw@db.internal/shop');
    expect(urls.redact('password "s/cr@t-pw" rejected')).toBe('password "***" rejected');
    expect(urls.redact('pw=s%2Fcr%40t-pw')).toBe('pw=***');
  });
});
