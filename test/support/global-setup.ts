import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { ensureDebianPackages } from './debian-packages.js';
import { PG_ADMIN_URL, ensureMariadb, ensurePostgres } from './databases.js';
import { TEST_PACKAGES } from './test-packages.js';

/**
 * Runs once before any test file: starts the machine's PostgreSQL and MariaDB if they are down, turns on
 * logical replication, and installs every Debian package the suite uses, so parallel test files never race
 * for the package manager or lose connections to a restart.
 */
export default async function globalSetup(): Promise<void> {
  await Promise.all([ensurePostgres(), ensureMariadb()]);
  await ensureLogicalReplication();
  ensureDebianPackages(TEST_PACKAGES);
}

/**
 * `data.sync-wait` tests need PostgreSQL logical replication. A local cluster still at `wal_level = replica`
 * is switched to `logical` and restarted here, before tests connect to it. The setting persists, so this
 * happens once per machine.
 */
async function ensureLogicalReplication(): Promise<void> {
  if (process.env.TMINUS_TEST_PG_URL || !existsSync('/etc/postgresql')) return;
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
