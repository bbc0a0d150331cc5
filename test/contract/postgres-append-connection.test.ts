import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';
import { appendConnections } from '../support/append-connections.js';

const step = (n: number) => ev({ type: 'step.started', stepId: `s${n}`, attempt: 1 }, 10 + n);

describe('PostgreSQL store: the connection held for appends', () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createPostgresDatabase('tminus_append_conn');
    store = await PostgresStore.open(db.url);
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await store.close();
    await admin.end();
    await db.drop();
  });

  it('sends a run’s appends over one connection, and appends in flight together over several', async () => {
    await store.createRun('a', [runStarted()]);
    await store.createRun('b', [runStarted()]);
    let seq = 1;
    for (let i = 0; i < 3; i++) expect((await store.append('a', seq++, [step(i)])).ok).toBe(true);
    const used = appendConnections();
    for (let i = 3; i < 8; i++) expect((await store.append('a', seq++, [step(i)])).ok).toBe(true);
    expect(used).toHaveLength(5);
    expect(new Set(used).size).toBe(1);

    used.length = 0;
    const [x, y] = await Promise.all([store.append('a', seq, [step(8)]), store.append('b', 1, [step(0)])]);
    expect(x.ok && y.ok).toBe(true);
    expect(new Set(used).size).toBe(2);
  });

  it('drops a connection the server ended, and appends over another', async () => {
    await store.createRun('c', [runStarted()]);
    for (let i = 0; i < 3; i++) expect((await store.append('c', i + 1, [step(i)])).ok).toBe(true);
    const before = appendConnections();
    expect((await store.append('c', 4, [step(3)])).ok).toBe(true);
    const ended = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(ended.rowCount).toBeGreaterThan(0);
    // The first append after may be sent before this process sees the end (so may the pool's, as before);
    // a bounded number of tries, each after the head as stored, must get one through on a live connection.
    let appended = false;
    for (let i = 0; i < 5 && !appended; i++) {
      try {
        const head = await store.head('c');
        appended = (await store.append('c', head!.seq, [step(10 + i)])).ok;
      } catch {
        // the connection it went over was one the server ended
      }
    }
    expect(appended).toBe(true);
    expect(before.at(-1)).not.toBe(before[0]);
    expect((await store.verifyJournal('c')).status).toBe('intact');
  });
});
