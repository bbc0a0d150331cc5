import { describe, expect, it } from 'vitest';
import { TminusError } from '../core/tminus-error.js';
import { parseConnectionUrl, redactUrls } from './connection-url.js';

describe('connection URLs', () => {
  it('recognises every supported engine and labels it without the password', () => {
    expect(parseConnectionUrl('postgres://app:pw@db:5432/shop')).toMatchObject({
      engine: 'postgres',
      label: 'postgres://app@db:5432/shop',
    });
    expect(parseConnectionUrl('postgresql://db/shop').engine).toBe('postgres');
    expect(parseConnectionUrl('mysql://root:pw@127.0.0.1:3306/legacy')).toMatchObject({
      engine: 'mysql',
      label: 'mysql://root@127.0.0.1:3306/legacy',
    });
    expect(parseConnectionUrl('mariadb://root@h/x').label).toBe('mariadb://root@h/x');
    expect(parseConnectionUrl('sqlite:./app.db')).toMatchObject({ engine: 'sqlite', path: './app.db' });
    expect(parseConnectionUrl('/var/lib/app.db')).toMatchObject({
      engine: 'sqlite',
      path: '/var/lib/app.db',
    });
  });

  it('names what is wrong with a bad URL, never echoing its password', () => {
    const bad = (url: string) => {
      try {
        parseConnectionUrl(url, '--source');
      } catch (error) {
        expect(error).toBeInstanceOf(TminusError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(bad('oracle://u:secret@h/db')).toBe(
      "--source: unsupported scheme 'oracle:' in oracle://u:***@h/db",
    );
    expect(bad('')).toBe('--source: empty connection URL');
    expect(bad('sqlite:')).toContain('sqlite: needs a file path');
    expect(bad('postgres://u:secret@/db')).toBe('--source: not a valid URL: postgres://u:***@/db');
    expect(bad('mysql://u:secret@:3306')).toBe('--source: not a valid URL: mysql://u:***@:3306');
  });

  it('redacts passwords in any text', () => {
    expect(redactUrls('failed: mysql://root:hunter2@db/x and postgres://a:b@c/d')).toBe(
      'failed: mysql://root:***@db/x and postgres://a:***@c/d',
    );
  });
});
