import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { PG_ADMIN_URL, ensurePostgres } from './databases.js';

/**
 * Runs once before any test file: `data.sync-wait` tests need PostgreSQL logical replication. A local cluster
 * still at `wal_level = replica` is switched to `logical` and restarted here, before tests connect to it,
 * so no running test loses its connections. The setting persists, so this happens once per machine.
 */
export default async function setup(): Promise<void> {
  if (process.env.TMINUS_TEST_PG_URL || !existsSync('/etc/postgresql')) return;
  await ensurePostgres();
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    const level = (await c.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
    if (level === 'logical') return;
    await c.query('ALTER SYSTEM SET wal_level = logical');
  } finally {
    await c.end();
  }
  execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart', {
    stdio: 'inherit',
  });
  await ensurePostgres();
}
