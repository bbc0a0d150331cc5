import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TminusError } from '../core/tminus-error.js';
import { isPostgresUrl } from './open-store.js';
import { MIGRATIONS } from './sqlite/migrations.js';

/** What `tminus store migrate` did: the schema version before and after, and how many this build knows. */
export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  readonly latest: number;
}

/**
 * Brings a store's schema to this build's latest version (numbered migrations, each applied once, in
 * order, in its own transaction; PostgreSQL takes an advisory lock so two processes never migrate at once).
 * Opening a store for writing does the same; this is for deployments that migrate before starting workers.
 */
export async function migrateStore(location: string): Promise<MigrationReport> {
  if (isPostgresUrl(location)) {
    const { PostgresStore, postgresSchemaVersion } = await import('./postgres/postgres-store.js');
    const { PG_MIGRATIONS } = await import('./postgres/migrations.js');
    const from = await postgresSchemaVersion(location);
    const store = await PostgresStore.open(location);
    await store.close();
    return { from, to: await postgresSchemaVersion(location), latest: PG_MIGRATIONS.length };
  }
  if (!existsSync(location)) {
    throw new TminusError('RUN_NOT_FOUND', `no tminus store at ${location}`, {
      hint: 'a SQLite store is created by `tminus run`; nothing to migrate',
    });
  }
  const from = sqliteVersion(location);
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  const store = SqliteStore.open(location);
  await store.close();
  return { from, to: sqliteVersion(location), latest: MIGRATIONS.length };
}

function sqliteVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}
