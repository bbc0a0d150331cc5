import { existsSync } from 'node:fs';
import { TminusError } from '../core/tminus-error.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { RunStore, TokenStore } from './store.js';

/** A `postgres://` or `postgresql://` URL names the shared PostgreSQL store; anything else is a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/** The PostgreSQL store, loaded on first use so a SQLite run never loads the pg driver. */
const openPostgres = async (url: string): Promise<RunStore & TokenStore> =>
  (await import('./postgres/postgres-store.js')).PostgresStore.open(url);

/** Opens an existing store (a SQLite file must exist; a PostgreSQL database is set up on first use). */
export async function openStore(location: string): Promise<RunStore & TokenStore> {
  if (isPostgresUrl(location)) return openPostgres(location);
  if (!existsSync(location)) {
    throw new TminusError('RUN_NOT_FOUND', `no tminus store at ${location}`, {
      hint: 'start a run with `tminus run PLAN`',
    });
  }
  return SqliteStore.open(location);
}

/** Opens or creates the store a new run goes into. */
export const createStore = (location: string): Promise<RunStore & TokenStore> =>
  isPostgresUrl(location) ? openPostgres(location) : Promise.resolve(SqliteStore.open(location));

/** Where a store is, for messages: never a PostgreSQL password. */
export const displayStore = (location: string): string =>
  isPostgresUrl(location) ? location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : location;
