import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TminusError } from '../core/tminus-error.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { RunStore, TokenStore } from './store.js';

/** A `postgres://` or `postgresql://` URL names the shared PostgreSQL store; anything else is a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/** The PostgreSQL store, loaded on first use so a SQLite run never loads the pg driver. */
const openPostgres = async (url: string): Promise<RunStore & TokenStore> =>
  (await import('./postgres/postgres-store.js')).PostgresStore.open(url);

/**
 * The store a `--store` / `TMINUS_STORE` value names: a PostgreSQL URL as given, a SQLite file resolved
 * against `cwd`. Any other `scheme://` is refused rather than taken for a file name.
 */
export function storeLocation(given: string, cwd: string): string {
  if (isPostgresUrl(given)) return given;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(given)?.[1];
  if (scheme !== undefined) {
    throw new TminusError(
      'USAGE',
      `--store: '${displayStore(given)}' is not a store tminus can keep runs in`,
      {
        hint: `${scheme}:// is not supported: give a SQLite file path (e.g. .tminus/tminus.db) or a postgres:// URL`,
      },
    );
  }
  return resolve(cwd, given);
}

/** How a command uses the store: reading commands open it read-only, so a user who may not write can look. */
export type StoreAccess = 'read' | 'write';

/** Opens an existing store (a SQLite file must exist; a PostgreSQL database is set up on first use). */
export async function openStore(
  location: string,
  access: StoreAccess = 'write',
): Promise<RunStore & TokenStore> {
  if (isPostgresUrl(location)) return openPostgres(location);
  if (!existsSync(location)) {
    throw new TminusError('RUN_NOT_FOUND', `no tminus store at ${location}`, {
      hint: 'start a run with `tminus run PLAN`',
    });
  }
  return SqliteStore.open(location, { readonly: access === 'read' });
}

/** Opens or creates the store a new run goes into. */
export const createStore = (location: string): Promise<RunStore & TokenStore> =>
  isPostgresUrl(location) ? openPostgres(location) : Promise.resolve(SqliteStore.open(location));

/** Where a store is, for messages: never a PostgreSQL password. */
export const displayStore = (location: string): string =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(location)
    ? location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
    : location;
