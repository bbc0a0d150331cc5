import { TminusError } from '../../core/tminus-error.js';

/** The store URL's own query parameter: whether the store keeps named (protocol-level) prepared statements. */
export const PREPARED_STATEMENTS_PARAM = 'prepared_statements';

/** A PostgreSQL store URL split into what the driver connects with and the store's own settings. */
export interface PostgresStoreUrl {
  /** The URL without tminus's own parameters (libpq and pg know nothing of them). */
  readonly connectionString: string;
  /** Named prepared statements for the hot statements; off behind a pooler that cannot keep them. */
  readonly preparedStatements: boolean;
}

/**
 * Reads `prepared_statements=on|off` from a `postgres://` store URL (default on) and takes it out of the URL.
 * It lives in the URL because a pooler is a property of the address the URL names, and every tminus process
 * (CLI, worker, serve) is given that URL.
 *
 * @example postgresStoreUrl('postgres://db/tminus?prepared_statements=off').preparedStatements // false
 */
export function postgresStoreUrl(url: string): PostgresStoreUrl {
  const query = url.indexOf('?');
  if (query < 0) return { connectionString: url, preparedStatements: true };
  // The other parameters are passed on exactly as written (not decoded and encoded again).
  const segments = url.slice(query + 1).split('&');
  const ours = (segment: string) => new URLSearchParams(segment).has(PREPARED_STATEMENTS_PARAM);
  const given = segments.filter(ours).map((s) => new URLSearchParams(s).get(PREPARED_STATEMENTS_PARAM)!);
  if (given.length === 0) return { connectionString: url, preparedStatements: true };
  const value = given[0];
  if (given.length > 1 || (value !== 'on' && value !== 'off')) {
    throw new TminusError(
      'USAGE',
      given.length > 1
        ? `the store URL gives ${PREPARED_STATEMENTS_PARAM} ${given.length} times (${given.map((v) => `'${v}'`).join(', ')}): give it once`
        : `the store URL's ${PREPARED_STATEMENTS_PARAM}='${value}' is neither 'on' nor 'off'`,
      {
        hint: `give ${PREPARED_STATEMENTS_PARAM}=off behind a pooler without protocol-level prepared statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements), else leave it out`,
      },
    );
  }
  const rest = segments.filter((s) => !ours(s)).join('&');
  return {
    connectionString: rest === '' ? url.slice(0, query) : `${url.slice(0, query)}?${rest}`,
    preparedStatements: value === 'on',
  };
}

/**
 * The connection string with `-c name=value` added to the URL's `options` (the startup packet's settings: set
 * at connection, no round trip), after any `options` the URL gives, which the driver would otherwise prefer to
 * a setting given beside the URL.
 *
 * @example withSessionSetting('postgres://db/t', 'tminus.append', 'statement') // 'postgres://db/t?options=-c%20tminus.append%3Dstatement'
 */
export function withSessionSetting(connectionString: string, name: string, value: string): string {
  const setting = `-c ${name}=${value}`;
  const query = connectionString.indexOf('?');
  const base = query < 0 ? connectionString : connectionString.slice(0, query);
  const segments =
    query < 0
      ? []
      : connectionString
          .slice(query + 1)
          .split('&')
          .filter((s) => s !== '');
  const isOptions = (segment: string) => new URLSearchParams(segment).has('options');
  const given = segments.filter(isOptions).map((s) => new URLSearchParams(s).get('options')!);
  const options = [...given, setting].join(' ');
  const rest = segments.filter((s) => !isOptions(s));
  return `${base}?${[...rest, `options=${encodeURIComponent(options)}`].join('&')}`;
}

/**
 * A pooler refused the setting in the startup packet: PgBouncer ('unsupported startup parameter: options',
 * 'unsupported startup parameter in options: tminus.append', 'unsupported options startup parameter: …') and
 * the poolers built on it.
 */
export const settingRefused = (error: unknown): boolean =>
  /unsupported (options )?startup parameter/i.test((error as Error | undefined)?.message ?? '');
