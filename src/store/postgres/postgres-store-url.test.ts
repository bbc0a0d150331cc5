import { describe, expect, it } from 'vitest';
import { postgresStoreUrl, settingRefused, withSessionSetting } from './postgres-store-url.js';

describe('postgresStoreUrl', () => {
  it('keeps named prepared statements by default and passes the URL on untouched', () => {
    const url = 'postgres://tminus:pw@db:5432/tminus?sslmode=verify-full&sslrootcert=/etc/tminus/db-ca.pem';
    expect(postgresStoreUrl(url)).toEqual({ connectionString: url, preparedStatements: true });
    expect(postgresStoreUrl('postgres://db/tminus')).toEqual({
      connectionString: 'postgres://db/tminus',
      preparedStatements: true,
    });
  });

  it('reads prepared_statements=off or on and takes it out of the URL, the other parameters as written', () => {
    expect(postgresStoreUrl('postgres://db/tminus?prepared_statements=off')).toEqual({
      connectionString: 'postgres://db/tminus',
      preparedStatements: false,
    });
    expect(
      postgresStoreUrl('postgresql://db/t?sslmode=require&prepared_statements=off&application_name=a%20b'),
    ).toEqual({
      connectionString: 'postgresql://db/t?sslmode=require&application_name=a%20b',
      preparedStatements: false,
    });
    expect(postgresStoreUrl('postgres://db/t?prepared_statements=on&sslmode=require')).toEqual({
      connectionString: 'postgres://db/t?sslmode=require',
      preparedStatements: true,
    });
  });

  it.each([
    ['postgres://db/t?prepared_statements=false', "prepared_statements='false' is neither 'on' nor 'off'"],
    ['postgres://db/t?prepared_statements=', "prepared_statements='' is neither 'on' nor 'off'"],
    ['postgres://db/t?prepared_statements=OFF', "prepared_statements='OFF' is neither 'on' nor 'off'"],
    [
      'postgres://db/t?prepared_statements=off&prepared_statements=on',
      "gives prepared_statements 2 times ('off', 'on'): give it once",
    ],
  ])('refuses %s, naming the value', (url, message) => {
    expect(() => postgresStoreUrl(url)).toThrow(message);
    try {
      postgresStoreUrl(url);
    } catch (error) {
      expect(error).toMatchObject({ code: 'USAGE' });
      expect((error as { hint?: string }).hint).toContain('PgBouncer');
    }
  });
});

describe('withSessionSetting', () => {
  it("adds the setting to the URL's options, after any the URL gives, the other parameters as written", () => {
    expect(withSessionSetting('postgres://db/t', 'tminus.append', 'statement')).toBe(
      'postgres://db/t?options=-c%20tminus.append%3Dstatement',
    );
    expect(
      withSessionSetting(
        'postgres://u:p@db/t?sslmode=require&options=-c%20search_path%3Dops&application_name=a%20b',
        'tminus.append',
        'statement',
      ),
    ).toBe(
      'postgres://u:p@db/t?sslmode=require&application_name=a%20b&options=-c%20search_path%3Dops%20-c%20tminus.append%3Dstatement',
    );
  });

  it('gives the driver both settings', () => {
    const url = withSessionSetting(
      'postgres://db/t?options=-c+search_path%3Dops',
      'tminus.append',
      'statement',
    );
    expect(new URL(url).searchParams.get('options')).toBe('-c search_path=ops -c tminus.append=statement');
  });
});

describe('settingRefused', () => {
  it("knows a pooler's refusal of a setting in the startup packet, and nothing else", () => {
    for (const message of [
      'unsupported startup parameter: options',
      'unsupported startup parameter in options: tminus.append',
      'unsupported options startup parameter: parameter too long',
    ]) {
      expect(settingRefused(new Error(message))).toBe(true);
    }
    expect(settingRefused(new Error('password authentication failed for user "tminus"'))).toBe(false);
    expect(settingRefused(undefined)).toBe(false);
  });
});
