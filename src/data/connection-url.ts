import { TminusError } from '../core/tminus-error.js';
import type { Engine } from './dialect.js';

/** A parsed connection target. `url` keeps the password; `label` never does. */
export interface ConnectionTarget {
  readonly engine: Engine;
  readonly url: string;
  /** For SQLite: the database file path. */
  readonly path?: string;
  readonly label: string;
}

const SCHEMES: Readonly<Record<string, Engine>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'sqlite:': 'sqlite',
};

/** Replaces the password of every `scheme://user:password@host` in a text with `***`. */
export function redactUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)@/gi, '$1***@');
}

/**
 * Parses `postgres://…`, `mysql://…`/`mariadb://…`, `sqlite:PATH` or a bare file path (SQLite).
 *
 * @example parseConnectionUrl('sqlite:./legacy.db') // { engine: 'sqlite', path: './legacy.db', ... }
 */
export function parseConnectionUrl(raw: string, what = 'connection'): ConnectionTarget {
  const text = raw.trim();
  if (text === '') throw new TminusError('USAGE', `${what}: empty connection URL`);
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(text)?.[1]?.toLowerCase();
  // A Windows drive letter or no scheme at all: a SQLite file path.
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(text)) return sqliteTarget(text, text);
  const engine = SCHEMES[scheme];
  if (engine === undefined) {
    throw new TminusError('USAGE', `${what}: unsupported scheme '${scheme}' in ${redactUrls(text)}`, {
      hint: 'use postgres://, mysql://, mariadb://, sqlite:PATH or a SQLite file path',
    });
  }
  if (engine === 'sqlite') {
    const path = text.slice(scheme.length).replace(/^\/\//, '');
    if (path === '') {
      throw new TminusError('USAGE', `${what}: sqlite: needs a file path, e.g. sqlite:./app.db`);
    }
    return sqliteTarget(text, path);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new TminusError('USAGE', `${what}: not a valid URL: ${redactUrls(text)}`, { cause: error });
  }
  if (url.hostname === '') throw new TminusError('USAGE', `${what}: no host in ${redactUrls(text)}`);
  const label = `${engine === 'postgres' ? 'postgres' : url.protocol.slice(0, -1)}://${
    url.username ? `${decodeURIComponent(url.username)}@` : ''
  }${url.host}${url.pathname}`;
  return { engine, url: text, label };
}

function sqliteTarget(url: string, path: string): ConnectionTarget {
  return { engine: 'sqlite', url, path, label: `sqlite:${path}` };
}
