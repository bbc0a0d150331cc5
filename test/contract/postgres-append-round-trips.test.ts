import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

// Every statement the store sends goes through pg.Client#query (the pool's connections are pg.Clients), and
// each is a single statement sent with its parameters in one message batch: one query is one round trip.
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
function sent(): string[] {
  const texts: string[] = [];
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const q = args[0];
    texts.push(typeof q === 'string' ? q : String((q as { text?: unknown }).text));
    return original.apply(this, args);
  } as never);
  return texts;
}

describe('PostgreSQL store: one round trip per append', () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let other: PostgresStore;

  beforeAll(async () => {
    db = await createPostgresDatabase('tminus_round_trips');
    store = await PostgresStore.open(db.url);
    other = await PostgresStore.open(db.url);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await store.close();
    await other.close();
    await db.drop();
  });

  it('sends one statement for an append after the head it knows, fenced or not', async () => {
    await store.createRun('r1', [runStarted()]);
    const lease = await store.acquireLease(
      'r1',
      { id: 'w1', pid: 1, host: 'h' },
      { nowMs: 0, ttlMs: 60_000 },
    );
    if (!lease.ok) throw new Error('not granted');

    const texts = sent();
    const first = await store.append('r1', 1, [ev({ type: 'step.started', stepId: 's', attempt: 1 }, 10)]);
    expect(first).toMatchObject({ ok: true, events: [{ seq: 2 }] });
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('tminus_try_append');

    const fenced = await store.append(
      'r1',
      2,
      [
        ev({ type: 'step.succeeded', stepId: 's', attempt: 1, summary: 'ok' }, 20),
        ev({ type: 'step.started', stepId: 't', attempt: 1 }, 20),
      ],
      { holderId: 'w1', epoch: lease.epoch },
    );
    expect(fenced).toMatchObject({ ok: true, events: [{ seq: 3 }, { seq: 4 }] });
    expect(texts).toHaveLength(2);
    vi.restoreAllMocks();
    expect(await store.verifyJournal('r1')).toMatchObject({ status: 'intact' });
  });

  it('after another process appended: refuses without writing, then one statement once it has read', async () => {
    await store.createRun('r2', [runStarted()]);
    expect(await other.readEvents('r2')).toHaveLength(1);
    expect(
      await other.append('r2', 1, [ev({ type: 'step.started', stepId: 's', attempt: 1 }, 10)]),
    ).toMatchObject({ ok: true });

    const texts = sent();
    const stale = await store.append('r2', 1, [ev({ type: 'step.started', stepId: 'x', attempt: 1 }, 10)]);
    expect(stale).toEqual({ ok: false, lastSeq: 2 });
    expect(texts).toHaveLength(1);
    vi.restoreAllMocks();

    expect((await store.readEvents('r2', 1)).map((e) => e.seq)).toEqual([2]);
    const again = sent();
    const ok = await store.append('r2', 2, [ev({ type: 'step.started', stepId: 'x', attempt: 1 }, 11)]);
    expect(ok).toMatchObject({ ok: true, events: [{ seq: 3, actor: 'system' }] });
    expect(again).toHaveLength(1);
    vi.restoreAllMocks();
    expect((await other.readEvents('r2')).map((e) => e.data.type)).toEqual([
      'run.started',
      'step.started',
      'step.started',
    ]);
    expect(await other.verifyJournal('r2')).toMatchObject({ status: 'intact' });
  });
});
