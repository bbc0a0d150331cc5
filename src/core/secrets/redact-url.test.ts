import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('hides the password in user:password@ URLs, keeping the user and host', () => {
    expect(redactUrl('connect to postgres://app:s3cr%40t@db.internal:5432/shop failed')).toBe(
      'connect to postgres://app:***@db.internal:5432/shop failed',
    );
    expect(redactUrl('smtp://ops:pw@127.0.0.1:2525 and mysql://root:x@h/')).toBe(
      'smtp://ops:***@127.0.0.1:2525 and mysql://root:***@h/',
    );
  });

  it('hides well-known secret query parameters', () => {
    expect(redactUrl('https://h/x?a=1&token=abc&password=p#f')).toBe(
      'https://h/x?a=1&token=***&password=***#f',
    );
  });

  it('leaves URLs without credentials alone', () => {
    expect(redactUrl('postgres://app@db/shop?sslmode=require')).toBe(
      'postgres://app@db/shop?sslmode=require',
    );
  });
});
