import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestDatabase } from '../support/databases.js';
import { createPostgresDatabase } from '../support/databases.js';
import { ev, runStarted } from '../support/run-events.js';

// Every statement the store sends goes through pg.Client#query (the pool's connections are pg.Clients), and
// each is a single statement sent with its parameters in one message batch: one query is one round trip.
const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
/**
 * The texts of the statements sent from now on; `names` gets each one's prepared statement name ('' if
 * unnamed) and `clients` the connections they went over.
 */
function sent(names: string[] = [], clients = new Set<pg.Client>()): string[] {
  const texts: string[] = [];
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const q = args[0];
    clients.add(this);
    texts.push(typeof q === 'string' ? q : String((q as { text?: unknown }).text));
    names.push(typeof q === 'string' ? '' : String((q as { name?: unknown }).name ?? ''));
    return original.apply(this, args);
  } as never);
  return texts;
}

/** The named prepared statements the server holds for these connections (the store's, idle in its pool). */
async function preparedOn(clients: Set<pg.Client>): Promise<string[]> {
  const names = new Set<string>();
  for (const c of clients) {
    const r = await c.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
    for (const row of r.rows) names.add(row.name);
  }
  return [...names].sort();
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
    expect(texts[0]).toContain('INSERT INTO events');

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

  it('sends the append and the loop reads as named prepared statements, each still one round trip', async () => {
    await store.createRun('r3', [runStarted()]);
    const names: string[] = [];
    const clients = new Set<pg.Client>();
    const texts = sent(names, clients);
    for (let seq = 1; seq <= 3; seq++) {
      const r = await store.append('r3', seq, [
        ev({ type: 'step.started', stepId: `s${seq}`, attempt: 1 }, seq),
      ]);
      expect(r).toMatchObject({ ok: true });
    }
    expect(await store.readEvents('r3', 2)).toHaveLength(2);
    expect(await store.readEvents('r3', 0, 1)).toHaveLength(1);
    expect(await store.head('r3')).toMatchObject({ seq: 4 });
    expect(texts).toHaveLength(6);
    expect(names).toEqual([
      'tminus_append_9_1',
      'tminus_append_9_1',
      'tminus_append_9_1',
      'tminus_events_after',
      'tminus_events_after_limit',
      'tminus_head',
    ]);
    vi.restoreAllMocks();
    // The server keeps them: the store's idle pooled connections that sent them have them prepared.
    expect(await preparedOn(clients)).toEqual(
      expect.arrayContaining([
        'tminus_events_after',
        'tminus_events_after_limit',
        'tminus_head',
        'tminus_append_9_1',
      ]),
    );
    expect(await store.verifyJournal('r3')).toMatchObject({ status: 'intact' });
  });
});

describe('PostgreSQL store: a prepared statement missing on its connection', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createPostgresDatabase('tminus_prepared_lost');
    store = await PostgresStore.open(db.url);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('says a pooler in transaction mode may be why, with prepared_statements=off as the way out, and appends nothing', async () => {
    const clients = new Set<pg.Client>();
    sent([], clients);
    await store.createRun('r1', [runStarted()]);
    expect(
      await store.append('r1', 1, [ev({ type: 'step.started', stepId: 's', attempt: 1 }, 10)]),
    ).toMatchObject({
      ok: true,
    });
    vi.restoreAllMocks();
    // What a pooler in transaction mode does: the next statement lands on a server connection without it.
    for (const c of clients) await c.query('DEALLOCATE ALL');
    const refused = store.append('r1', 2, [ev({ type: 'step.started', stepId: 't', attempt: 1 }, 20)]);
    await expect(refused).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining(
        'prepared statement tminus_append_9_1 does not match its server connection (prepared statement "tminus_append_9_1" does not exist)',
      ),
      hint: expect.stringContaining('add prepared_statements=off to the store URL'),
    });
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const r = await check.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE run_id = 'r1'`);
      expect(Number(r.rows[0]!.n)).toBe(2);
    } finally {
      await check.end();
    }
  });
});

describe('PostgreSQL store with prepared_statements=off (a pooler in transaction mode)', () => {
  let db: TestDatabase;
  let store: PostgresStore;

  beforeAll(async () => {
    db = await createPostgresDatabase('tminus_unprepared');
    store = await PostgresStore.open(`${db.url}?prepared_statements=off`);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('sends every hot statement unnamed, one statement per append', async () => {
    await store.createRun('r1', [runStarted()]);
    const names: string[] = [];
    const clients = new Set<pg.Client>();
    const texts = sent(names, clients);
    expect(
      await store.append('r1', 1, [ev({ type: 'step.started', stepId: 's', attempt: 1 }, 10)]),
    ).toMatchObject({ ok: true, events: [{ seq: 2 }] });
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('INSERT INTO events');
    expect(await store.readEvents('r1', 1)).toHaveLength(1);
    expect(await store.readEvents('r1', 0, 1)).toHaveLength(1);
    expect(await store.head('r1')).toMatchObject({ seq: 2 });
    expect(names).toEqual(['', '', '', '']);
    vi.restoreAllMocks();
    expect(await preparedOn(clients)).toEqual([]);
    expect(await store.verifyJournal('r1')).toMatchObject({ status: 'intact' });
  });
});
