import { ensureDebianPackages } from './debian-packages.js';
import { ensureMariadb, ensurePostgres } from './databases.js';
import { TEST_PACKAGES } from './test-packages.js';

/**
 * Runs once before any test file: starts the machine's PostgreSQL and MariaDB if they are down and installs
 * every Debian package the suite uses, so parallel test files never race for the package manager.
 */
export default async function globalSetup(): Promise<void> {
  await Promise.all([ensurePostgres(), ensureMariadb()]);
  ensureDebianPackages(TEST_PACKAGES);
}
