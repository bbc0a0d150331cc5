import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate, issueToken } from '../../src/engine/access-tokens.js';
import type { RunStore, TokenStore } from '../../src/store/store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'tminus-tokens-'));
const pgDatabases: TestDatabase[] = [];
let n = 0;

const BACKENDS: { name: string; open: () => Promise<RunStore & TokenStore> }[] = [
  { name: 'sqlite', open: async () => SqliteStore.open(join(dir, `tokens-${++n}.db`)) },
  {
    name: 'postgres',
    open: async () => {
      const db = await createPostgresDatabase('tminus_tokens');
      pgDatabases.push(db);
      return PostgresStore.open(db.url);
    },
  },
];

afterAll(async () => {
  for (const db of pgDatabases) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('token store contract: $name', ({ open }) => {
  it('stores only a hash, lists, authenticates, expires and revokes', async () => {
    const store = await open();
    try {
      const t0 = 1_800_000_000_000;
      const alice = await issueToken(store, { person: 'alice', role: 'person' }, t0);
      const viewer = await issueToken(
        store,
        { person: 'frank', role: 'viewer', expiresInMs: 3_600_000 },
        t0 + 1,
      );
      const secret = alice.token.slice('tmn_'.length + 11);
      const stored = await store.tokenById(alice.record.id);
      expect(stored).toEqual(alice.record);
      expect(JSON.stringify(await store.listTokens())).not.toContain(secret);
      expect((await store.listTokens()).map((t) => t.person)).toEqual(['frank', 'alice']);

      expect(await authenticate(store, alice.token, t0)).toEqual({
        person: 'alice',
        role: 'person',
        tokenId: alice.record.id,
      });
      expect(await authenticate(store, viewer.token, t0 + 3_599_000)).toMatchObject({
        person: 'frank',
        role: 'viewer',
      });
      await expect(authenticate(store, viewer.token, t0 + 3_600_001)).rejects.toThrow(/expired at/);

      expect(await store.revokeToken(alice.record.id, t0 + 5)).toBe(true);
      expect(await store.revokeToken(alice.record.id, t0 + 6)).toBe(false);
      expect(await store.revokeToken('nosuchtoken', t0 + 6)).toBe(false);
      await expect(authenticate(store, alice.token, t0 + 10)).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
      expect((await store.tokenById(alice.record.id))?.revokedAtMs).toBe(t0 + 5);

      await expect(store.createToken(alice.record)).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
    } finally {
      await store.close();
    }
  });

  it('refuses a person id that no plan could name', async () => {
    const store = await open();
    try {
      await expect(issueToken(store, { person: 'Alice Smith', role: 'person' }, 0)).rejects.toThrow(
        "--as: 'Alice Smith' is not a person id",
      );
      expect(await store.listTokens()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
