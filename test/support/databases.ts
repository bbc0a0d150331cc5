import { execSync } from 'node:child_process';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';

export const PG_ADMIN_URL = process.env.TMINUS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MARIADB_ADMIN_URL = process.env.TMINUS_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port}`);
}

/** Starts the machine's PostgreSQL if it is down (the commands from the machine's service notes). */
export async function ensurePostgres(): Promise<void> {
  if (await portOpen(5432)) return;
  execSync('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', { stdio: 'inherit' });
  await waitForPort(5432, 'PostgreSQL');
}

/** Starts the machine's MariaDB if it is down. */
export async function ensureMariadb(): Promise<void> {
  if (await portOpen(3306)) return;
  execSync('start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd', { stdio: 'inherit' });
  await waitForPort(3306, 'MariaDB');
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

const uniqueName = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A fresh, empty PostgreSQL database for one test file; `drop()` removes it. */
export async function createPostgresDatabase(prefix = 'tminus_test'): Promise<TestDatabase> {
  await ensurePostgres();
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh, empty MariaDB database for one test file; `drop()` removes it. */
export async function createMariadbDatabase(prefix = 'tminus_test'): Promise<TestDatabase> {
  await ensureMariadb();
  const name = uniqueName(prefix);
  const admin = await mysql.createConnection(MARIADB_ADMIN_URL);
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(MARIADB_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = await mysql.createConnection(MARIADB_ADMIN_URL);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}
