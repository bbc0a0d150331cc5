import pg from 'pg';
import type { NewRunEvent, RunEvent, RunEventData } from '../../core/run/run-event.js';
import { GENESIS_HASH } from '../../core/run/run-event.js';
import { TminusError } from '../../core/tminus-error.js';
import type { JournalRow, JournalVerdict } from '../journal/journal-audit.js';
import type { JournalKey } from '../journal/journal-key.js';
import { sealEvent } from '../journal/journal-seal.js';
import type { JournalOptions } from '../journal/store-journal.js';
import { StoreJournal, journalOptionsFromEnv } from '../journal/store-journal.js';
import type { AccessTokenRow } from '../access-token-row.js';
import { tokenFromRow, tokenInsertValues } from '../access-token-row.js';
import type {
  AccessTokenRecord,
  AcquireLeaseOptions,
  AppendFence,
  AppendHints,
  AppendResult,
  ClaimedRun,
  ClaimedStep,
  LeaseHolder,
  LeaseResult,
  RunStore,
  RevokedStepClaim,
  RunSummary,
  StepClaimRow,
  StepClaims,
  StepRef,
  TokenStore,
} from '../store.js';
import { PG_APPEND_SETTING, PG_JOURNAL_GUARDS, PG_MIGRATIONS, guardConditionKept } from './migrations.js';
import type { PostgresStoreUrl } from './postgres-store-url.js';
import {
  PREPARED_STATEMENTS_PARAM,
  postgresStoreUrl,
  settingRefused,
  withSessionSetting,
} from './postgres-store-url.js';
import { rejectionEvent } from '../rejection-event.js';
import { AppendConnection } from './append-connection.js';
import { bindExecuteSync } from './append-message.js';
import { arrayElement } from './pg-array-literal.js';

interface EventRow {
  run_id: string;
  seq: number;
  at_ms: string;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/**
 * A statement on the hot path (every append, every turn of a run's loop). Sent as a named (protocol-level)
 * prepared statement, the server parses and plans it once per connection instead of on every call (for the
 * append, 12–23 % of its server CPU: docs/benchmarks.md); unnamed when the store URL says `prepared_statements=off` (a pooler in
 * transaction mode may run the next statement on a server connection that never saw the prepare).
 */
interface HotStatement {
  /**
   * Unique per text: node-postgres keeps one statement per name on each connection. The texts name their
   * columns (never `*`): a prepared statement whose result columns a later migration changed would fail.
   */
  readonly name: string;
  readonly text: string;
}

/** A run's head (its last event; seq 0 and the genesis hash before the first) and its key id; no row: no run. */
const HEAD: HotStatement = {
  name: 'tminus_head',
  text: `SELECT coalesce(e.seq, 0) AS head_seq, coalesce(e.hash, '${GENESIS_HASH}') AS head_hash, r.key_id
         FROM runs r LEFT JOIN LATERAL (
           SELECT seq, hash FROM events WHERE run_id = r.run_id ORDER BY seq DESC LIMIT 1) AS e ON true
         WHERE r.run_id = $1`,
};
const EVENTS_AFTER: HotStatement = {
  name: 'tminus_events_after',
  text: `SELECT run_id, seq, at_ms, actor, data, prev_hash, hash FROM events
         WHERE run_id = $1 AND seq > $2 ORDER BY seq`,
};
const EVENTS_AFTER_LIMIT: HotStatement = {
  name: 'tminus_events_after_limit',
  text: `${EVENTS_AFTER.text} LIMIT $3`,
};

/**
 * What the server answers when a connection's named statements are not the ones this process prepared on it
 * (26000 does not exist, 42P05 already exists): a pooler in transaction mode that hands each statement to
 * whichever server connection is free.
 */
const PREPARED_ELSEWHERE = new Set(['26000', '42P05']);

/** Sends a hot statement, named (prepared once per connection) unless prepared statements are off. */
async function hot<R extends pg.QueryResultRow>(
  db: pg.Pool | pg.PoolClient,
  prepared: boolean,
  statement: HotStatement,
  values: readonly unknown[],
): Promise<pg.QueryResult<R>> {
  if (!prepared) return db.query<R>({ text: statement.text, values: values as unknown[] });
  try {
    return await db.query<R>({ name: statement.name, text: statement.text, values: values as unknown[] });
  } catch (error) {
    throw preparedElsewhere(error, statement);
  }
}

/**
 * A named statement the server refused before running it because it was prepared on another connection (a
 * pooler): safe to report as is (nothing was executed). Any other error as it came.
 */
function preparedElsewhere(error: unknown, statement: HotStatement): unknown {
  if (!PREPARED_ELSEWHERE.has((error as { code?: string }).code ?? '')) return error;
  return new TminusError(
    'USAGE',
    `the PostgreSQL store's prepared statement ${statement.name} does not match its server connection (${(error as Error).message}): a connection pooler in transaction mode?`,
    {
      cause: error,
      hint: `add ${PREPARED_STATEMENTS_PARAM}=off to the store URL, or let the pooler keep prepared statements (PgBouncer 1.21 or later: max_prepared_statements)`,
    },
  );
}

/** The type of the append statement's `refused` column: text[]. */
const TEXT_ARRAY_OID = 1009;
/** Reads the `refused` column's text[] literal, as node-postgres reads a text[]. */
const parseRefused = (
  pg.types.getTypeParser as (oid: number, format: 'text') => (value: string) => (string | null)[]
)(TEXT_ARRAY_OID, 'text');

/**
 * The append statement as a query whose one column (`refused`) is kept as the server sent it: NULL on every
 * append but a refused one, parsed (`appendAnswer`) only then. node-postgres otherwise builds a result on every
 * call (its fields, their type parsers, a row object): 17–30 µs less an append without it, measured
 * alternately (docs/benchmarks.md). It is sent without a Describe (see `prepare`); the rest (parse once per
 * connection when named, the answer's messages, errors) is node-postgres's own.
 */
class AppendQuery extends pg.Query {
  /** The `refused` column as sent: null when appended (or no row, which the statement never answers). */
  refused: string | null = null;

  /**
   * Made from the text alone, its name (unless unnamed) and values set after: node-postgres copies a config
   * object, every property descriptor of it, on every query (3 µs in a hot loop; 13–15 µs less an append,
   * measured alternately: docs/benchmarks.md).
   */
  constructor(text: string, name: string | undefined, values: readonly unknown[]) {
    super(text);
    const query = this as unknown as { name?: string; values: readonly unknown[] };
    if (name !== undefined) query.name = name;
    query.values = values;
  }

  handleRowDescription(): void {
    // The one column is known: nothing to build (and not asked for: see `prepare`).
  }

  /**
   * node-postgres's extended-protocol send (`Query.prepare`: parse once per connection when named, bind,
   * execute, sync) without its Describe: the one column is known, so the server's row description, and
   * parsing it here, are left out of every append. The Bind, Execute and Sync go as one buffer
   * (`bindExecuteSync`: the bytes node-postgres would send for them). Measured alternately:
   * docs/benchmarks.md.
   */
  prepare(connection: PgConnection): void {
    const query = this as unknown as { text: string; name?: string; values: readonly unknown[] };
    const name = query.name;
    if (
      !name ||
      (connection.parsedStatements[name] === undefined &&
        connection.submittedNamedStatements[name] === undefined)
    ) {
      connection.parse({ text: query.text, name });
      if (name) connection.submittedNamedStatements[name] = query.text;
    }
    connection._send(bindExecuteSync(name ?? '', query.values));
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.refused = message.fields[0] ?? null;
  }
}

/** What `AppendQuery.prepare` uses of node-postgres's connection (what its own `Query.prepare` uses). */
interface PgConnection {
  readonly parsedStatements: Record<string, string | undefined>;
  readonly submittedNamedStatements: Record<string, string | undefined>;
  parse(query: { text: string; name: string | undefined }): void;
  /** Writes a message to the server's socket (what its `bind`, `execute` and `sync` each do with theirs). */
  _send(message: Buffer): boolean;
}

/** Sends the append statement (named unless prepared statements are off); answers its `refused` column as sent. */
function sendAppend(
  db: pg.Pool | pg.PoolClient,
  prepared: boolean,
  statement: HotStatement,
  values: readonly unknown[],
): Promise<string | null> {
  const query = new AppendQuery(statement.text, prepared ? statement.name : undefined, values);
  return new Promise((resolve, reject) => {
    // With a callback (not a promise): the pool releases its client in it, and a submittable's result is its own.
    const send = db.query as unknown as (q: pg.Query, v: undefined, done: (error?: Error) => void) => void;
    send.call(db, query, undefined, (error) => {
      if (error) reject(prepared ? preparedElsewhere(error, statement) : error);
      else resolve(query.refused);
    });
  });
}

/** What an append answers; the head fields describe the stored head unless 'ok'. */
interface AppendAnswer {
  status: 'ok' | 'missing' | 'fenced' | 'moved';
  head_seq: number;
  head_hash: string;
  key_id: string | null;
  holder_id: string | null;
  epoch: string | null;
  head_at_ms: string | null;
}

const APPENDED: AppendAnswer = {
  status: 'ok',
  head_seq: 0,
  head_hash: '',
  key_id: null,
  holder_id: null,
  epoch: null,
  head_at_ms: null,
};

/** The append statement answers NULL when it appended, else why not and the head as stored. */
function appendAnswer(sent: string | null): AppendAnswer {
  if (sent === null) return APPENDED;
  const [status, seq, hash, keyId, holderId, epoch, headAtMs] = parseRefused(sent);
  return {
    status: status as AppendAnswer['status'],
    head_seq: Number(seq ?? 0),
    head_hash: hash ?? '',
    key_id: keyId ?? null,
    holder_id: holderId ?? null,
    epoch: epoch ?? null,
    head_at_ms: headAtMs ?? null,
  };
}

/**
 * Up to this many events an append sends one row of parameters per event (one named statement per count:
 * a little cheaper for the server than unpacking arrays); more, six arrays (one statement for any count).
 */
const VALUES_ROWS = 4;
const appendStatements = new Map<string, HotStatement>();

/**
 * The append of `count` events, one statement in autocommit (migration 9): $1 run, $2 the seq it appends
 * after, $3 that event's hash, $4 and $5 the fence (holder and epoch, NULL when not `fenced`), then the events'
 * columns. It inserts only if the run's last event is the expected one (or, at seq 0, into a run that exists
 * and has none) and, when fenced, while the fence holds (the lease row locked FOR SHARE: a grant waits for this
 * append, or this append for the grant and then sees it), and notifies 'tminus_runs' '<head seq> <run id>'.
 * It answers one row: `refused` NULL when appended, else (tminus_refusal, called only then) ARRAY[status, head
 * seq, head hash, key id, lease holder, lease epoch, time of the head event] with status 'fenced' (the fence
 * first) or 'moved', or ARRAY['missing']. Two writers at the same place at once: the events' primary key lets
 * one in; the other fails (nothing written: see `isTakenPlace`) and is sent again. Each part left out of the
 * statement when not needed (the lease's lock unfenced, the refusal's query unless refused) is server time
 * saved on every append: docs/benchmarks.md.
 *
 * Exported for bench/pg-one-table-probe.ts.
 */
export function appendStatement(count: number, fenced: boolean): HotStatement {
  const rowsKey = count <= VALUES_ROWS ? count : 0;
  const key = `${rowsKey}${fenced ? '_fenced' : ''}`;
  const known = appendStatements.get(key);
  if (known) return known;
  let rows: string;
  if (rowsKey > 0) {
    const tuples: string[] = [];
    for (let i = 0; i < count; i++) {
      const p = 6 + i * 6;
      const prev = i === 0 ? '$3::text' : `$${p - 2}::text`;
      tuples.push(
        `($1::text, $2::integer + ${i + 1}, $${p}::bigint, $${p + 1}::text, $${p + 2}::text, $${p + 3}::text, ${prev}, $${p + 4}::text, $${p + 5}::text)`,
      );
    }
    rows = `SELECT * FROM (VALUES ${tuples.join(', ')}) AS v`;
  } else {
    rows = `SELECT $1::text, $2::integer + i, ($6::bigint[])[i], ($7::text[])[i], ($8::text[])[i], ($9::text[])[i],
              CASE WHEN i = 1 THEN $3::text ELSE ($10::text[])[i - 1] END, ($10::text[])[i], ($11::text[])[i]
            FROM generate_subscripts($10::text[], 1) AS i`;
  }
  const statement = {
    name: `tminus_append_9_${rowsKey > 0 ? rowsKey : 'n'}${fenced ? '_fenced' : ''}`,
    text: `WITH ${
      fenced
        ? `lease AS MATERIALIZED (
             SELECT 1 FROM leases WHERE run_id = $1::text AND holder_id = $4::text AND epoch = $5::bigint
             FOR SHARE),`
        : ''
    }
           ins AS (
             INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac)
             ${rows}
             WHERE ${fenced ? 'EXISTS (SELECT 1 FROM lease)' : '$4::text IS NULL AND $5::bigint IS NULL'}
               AND CASE WHEN $2::integer = 0
                   THEN EXISTS (SELECT 1 FROM runs WHERE run_id = $1::text)
                        AND NOT EXISTS (SELECT 1 FROM events WHERE run_id = $1::text)
                   ELSE EXISTS (SELECT 1 FROM (SELECT seq, hash FROM events WHERE run_id = $1::text
                                               ORDER BY seq DESC LIMIT 1) AS last
                                WHERE last.seq = $2::integer AND last.hash = $3::text) END
             RETURNING seq)
           SELECT NULL::text[] AS refused
             FROM (SELECT pg_notify('tminus_runs', max(seq) || ' ' || $1::text) FROM ins HAVING count(*) > 0) AS hint
           UNION ALL
           SELECT tminus_refusal($1::text, $4::text, $5::bigint) WHERE NOT EXISTS (SELECT 1 FROM ins)`,
  };
  appendStatements.set(key, statement);
  return statement;
}

/**
 * Another writer appended at the same place after this statement's snapshot, and committed: nothing was
 * written. The events' primary key says so (the in-order guard skips this store's appends: migration 10); the
 * guard's own refusal is kept for a connection without the setting (a pooler that refused it), where the guard
 * may look after the other committed. Sent again, the statement sees the other's events and answers 'moved' or
 * 'fenced'.
 */
const isTakenPlace = (error: unknown): boolean => {
  const e = error as { code?: string; constraint?: string; message?: string };
  return (
    (e.code === '23505' && e.constraint === 'events_pkey') ||
    (e.code === 'P0001' && e.message === 'events are appended in order')
  );
};

/** How many times an append is sent again after its place was taken (each time, by a commit in between). */
const TAKEN_PLACE_RETRIES = 20;

/** Sends one append as a statement of the caller's transaction; a place taken meanwhile fails the transaction. */
async function tryAppend(
  db: pg.PoolClient,
  prepared: boolean,
  values: readonly unknown[],
  count: number,
): Promise<AppendAnswer> {
  return appendAnswer(await sendAppend(db, prepared, appendStatement(count, false), values));
}

/** The last head of a run this process saw (and the run's key id, which never changes). */
interface KnownHead {
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string | null;
}

interface SealedEvents {
  readonly events: RunEvent[];
  /**
   * The append statement's parameters after the first five: at_ms, actor, type, data, hash and mac of each
   * event in turn (up to VALUES_ROWS events), else one array of each.
   */
  readonly columns: readonly unknown[];
}

const toEvent = (r: EventRow): RunEvent => ({
  runId: r.run_id,
  seq: r.seq,
  atMs: Number(r.at_ms),
  actor: r.actor,
  data: JSON.parse(r.data) as RunEventData,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * The shared store for teams: PostgreSQL (any managed or HA instance). Appends lock the run's row
 * (`SELECT … FOR UPDATE`), so concurrent processes serialise per run; the same contract suite as SQLite.
 *
 * Hot statements are named prepared statements unless the URL says `prepared_statements=off`.
 *
 * @example const store = await PostgresStore.open('postgres://tminus@db/tminus');
 */
export class PostgresStore implements RunStore, TokenStore, AppendHints, StepClaims {
  readonly #pool: pg.Pool;
  readonly #journal: StoreJournal;
  readonly #url: string;
  readonly #prepared: boolean;
  readonly #heads = new Map<string, KnownHead>();
  readonly #appends: AppendConnection;

  private constructor(pool: pg.Pool, journal: StoreJournal, url: PostgresStoreUrl) {
    this.#pool = pool;
    this.#journal = journal;
    this.#url = url.connectionString;
    this.#prepared = url.preparedStatements;
    this.#appends = new AppendConnection(pool);
  }

  /** Opens the store; the journal key and witness live outside it (default: from the environment). */
  static async open(storeUrl: string, journal?: JournalOptions): Promise<PostgresStore> {
    const url = postgresStoreUrl(storeUrl);
    let pool = openPool(url.connectionString, true);
    let storeId: string;
    try {
      try {
        storeId = await setUp(pool);
      } catch (error) {
        if (!settingRefused(error)) throw error;
        // A pooler that refuses settings in the startup packet (PgBouncer 1.20+ unless it ignores 'options',
        // or older ones with 'options' at all): without the setting, the in-order guard runs on every append
        // too (correct; a little slower, docs/deployment.md).
        await pool.end();
        pool = openPool(url.connectionString, false);
        storeId = await setUp(pool);
      }
    } catch (cause) {
      await pool.end();
      throw new TminusError(
        'STORE_UNREACHABLE',
        `cannot open the PostgreSQL store: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    return new PostgresStore(
      pool,
      new StoreJournal(journal ?? journalOptionsFromEnv(process.env, undefined), storeId),
      url,
    );
  }

  async #tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK');
      throw error;
    } finally {
      c.release();
    }
  }

  async createRun(runId: string, events: readonly NewRunEvent[]): Promise<readonly RunEvent[]> {
    const first = events[0];
    if (first === undefined || first.data.type !== 'run.started') {
      throw new TminusError('INTERNAL', 'a run starts with a run.started event');
    }
    const planName = first.data.planName;
    let key: JournalKey | undefined;
    const stored = await this.#tx(async (c) => {
      const store = await c.query<{ key_id: string | null }>('SELECT key_id FROM journal FOR UPDATE');
      const chosen = this.#journal.keyForNewRun(store.rows[0]?.key_id ?? null);
      key = chosen.key;
      const inserted = await c.query(
        `INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash, key_id)
         VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
        [runId, planName, Math.round(first.atMs), GENESIS_HASH, key.id],
      );
      if (inserted.rowCount !== 1) throw new TminusError('STORE_CONFLICT', `run ${runId} already exists`);
      if (chosen.created) await c.query('UPDATE journal SET key_id = $1', [key.id]);
      const sealed = this.#seal(runId, 0, GENESIS_HASH, events, key);
      const answer = await tryAppend(
        c,
        this.#prepared,
        [runId, 0, GENESIS_HASH, null, null, ...sealed.columns],
        events.length,
      );
      if (answer.status !== 'ok') throw new TminusError('INTERNAL', `run ${runId} was not created`);
      return sealed.events;
    });
    const last = stored.at(-1)!;
    this.#remember(runId, last.seq, last.hash, key?.id ?? null);
    this.#witness(runId, stored, key);
    return stored;
  }

  #witness(runId: string, stored: readonly RunEvent[], key: JournalKey | undefined): void {
    const last = stored.at(-1);
    if (last) this.#journal.witnessHead(runId, last.seq, last.hash, key);
  }

  async append(
    runId: string,
    expectedSeq: number,
    events: readonly NewRunEvent[],
    fence?: AppendFence,
  ): Promise<AppendResult> {
    // One round trip when this process knows the head it appends after (it created the run, appended last
    // or read up to expectedSeq): the events are sealed here against that head and sent in one call, which
    // applies them only if the head and the fence are still what they were.
    let head = this.#heads.get(runId);
    if (head?.seq !== expectedSeq) head = await this.#readHead(runId);
    if (fence === undefined && head.seq !== expectedSeq) return { ok: false, lastSeq: head.seq };
    // Nothing to write (the statement inserts at least one row): the head as read decides.
    if (events.length === 0) {
      return head.seq === expectedSeq ? { ok: true, events: [] } : { ok: false, lastSeq: head.seq };
    }
    for (;;) {
      const key = this.#journal.keyForRun(runId, head.keyId);
      const sealed = this.#seal(runId, head.seq, head.hash, events, key);
      const answer = await this.#call(runId, expectedSeq, head, sealed, fence);
      if (answer.status === 'ok') {
        this.#witness(runId, sealed.events, key);
        return { ok: true, events: sealed.events };
      }
      if (answer.status === 'fenced') return this.#reject(runId, fence!, answer, events);
      // Moved: another process appended, or this one last saw a head that is not the stored one.
      head = this.#remember(runId, answer.head_seq, answer.head_hash, answer.key_id);
      if (head.seq !== expectedSeq) return { ok: false, lastSeq: head.seq };
    }
  }

  /** Records what a fenced append refused: one append.rejected after whatever the head is now. */
  async #reject(
    runId: string,
    fence: AppendFence,
    first: AppendAnswer,
    refused: readonly NewRunEvent[],
  ): Promise<AppendResult> {
    let answer = first;
    for (;;) {
      const head = this.#remember(runId, answer.head_seq, answer.head_hash, answer.key_id);
      const key = this.#journal.keyForRun(runId, head.keyId);
      const lease =
        answer.holder_id === null ? undefined : { holder_id: answer.holder_id, epoch: answer.epoch ?? 0 };
      const rejection = rejectionEvent(fence, lease, refused, Number(answer.head_at_ms ?? 0));
      const sealed = this.#seal(runId, head.seq, head.hash, [rejection], key);
      answer = await this.#call(runId, head.seq, head, sealed, undefined);
      if (answer.status === 'ok') {
        this.#witness(runId, sealed.events, key);
        return { ok: false, lastSeq: head.seq + 1, rejected: sealed.events[0]! };
      }
    }
  }

  async #call(
    runId: string,
    expectedSeq: number,
    head: KnownHead,
    sealed: SealedEvents,
    fence: AppendFence | undefined,
  ): Promise<AppendAnswer> {
    const values = [
      runId,
      expectedSeq,
      head.hash,
      fence?.holderId ?? null,
      fence?.epoch ?? null,
      ...sealed.columns,
    ];
    const statement = appendStatement(sealed.events.length, fence !== undefined);
    let refused: string | null;
    let retries = 0;
    for (;;) {
      const held = this.#appends.take();
      try {
        refused = await sendAppend(held ?? this.#pool, this.#prepared, statement, values);
      } catch (error) {
        const taken = isTakenPlace(error);
        if (held) this.#appends.done(held, !taken);
        if (taken && ++retries <= TAKEN_PLACE_RETRIES) continue;
        throw error;
      }
      if (held) this.#appends.done(held, false);
      else this.#appends.hold();
      break;
    }
    const answer = appendAnswer(refused);
    if (answer.status === 'missing') throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    if (answer.status === 'ok') {
      const last = sealed.events.at(-1);
      if (last) this.#remember(runId, last.seq, last.hash, head.keyId);
    }
    return answer;
  }

  /** The head as stored (when this process has not seen it): one extra round trip. */
  async #readHead(runId: string): Promise<KnownHead> {
    const r = await hot<{ head_seq: number; head_hash: string; key_id: string | null }>(
      this.#pool,
      this.#prepared,
      HEAD,
      [runId],
    );
    const row = r.rows[0];
    if (!row) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    return this.#remember(runId, row.head_seq, row.head_hash, row.key_id);
  }

  /** Keeps the last head this process saw of a run (its key id never changes). */
  #remember(runId: string, seq: number, hash: string, keyId: string | null): KnownHead {
    const head = { seq, hash, keyId };
    this.#heads.set(runId, head);
    return head;
  }

  /** Numbers, chains and seals events after a head, as the append statement takes them. */
  #seal(
    runId: string,
    headSeq: number,
    headHash: string,
    events: readonly NewRunEvent[],
    key: JournalKey | undefined,
  ): SealedEvents {
    const stored: RunEvent[] = [];
    let prevHash = headHash;
    let seq = headSeq;
    if (events.length <= VALUES_ROWS) {
      const columns: unknown[] = [];
      for (const e of events) {
        seq += 1;
        const body = { runId, seq, atMs: Math.round(e.atMs), actor: e.actor, data: e.data };
        const { hash, mac } = sealEvent(key, prevHash, body);
        columns.push(String(body.atMs), e.actor, e.data.type, JSON.stringify(e.data), hash, mac);
        stored.push({ runId, seq, atMs: body.atMs, actor: e.actor, data: e.data, prevHash, hash });
        prevHash = hash;
      }
      return { events: stored, columns };
    }
    // The six array parameters as PostgreSQL array literals, built here in one pass (the same text
    // node-postgres would make of six JS arrays, element by element: `pg-array-literal.ts`).
    let atMs = '{';
    let actors = '{';
    let types = '{';
    let data = '{';
    let hashes = '{';
    let macs = '{';
    for (const e of events) {
      seq += 1;
      const body = { runId, seq, atMs: Math.round(e.atMs), actor: e.actor, data: e.data };
      const { hash, mac } = sealEvent(key, prevHash, body);
      const sep = seq > headSeq + 1 ? ',' : '';
      atMs += `${sep}"${body.atMs}"`;
      actors += sep + arrayElement(e.actor);
      types += sep + arrayElement(e.data.type);
      data += sep + arrayElement(JSON.stringify(e.data));
      hashes += sep + arrayElement(hash);
      macs += sep + arrayElement(mac);
      stored.push({ runId, seq, atMs: body.atMs, actor: e.actor, data: e.data, prevHash, hash });
      prevHash = hash;
    }
    return {
      events: stored,
      columns: [`${atMs}}`, `${actors}}`, `${types}}`, `${data}}`, `${hashes}}`, `${macs}}`],
    };
  }

  async readEvents(runId: string, afterSeq = 0, limit?: number): Promise<readonly RunEvent[]> {
    const r =
      limit === undefined || limit < 0
        ? await hot<EventRow>(this.#pool, this.#prepared, EVENTS_AFTER, [runId, afterSeq])
        : await hot<EventRow>(this.#pool, this.#prepared, EVENTS_AFTER_LIMIT, [runId, afterSeq, limit]);
    const events = r.rows.map(toEvent);
    const last = events.at(-1);
    const known = this.#heads.get(runId);
    // The key id is known once this process saw the run's head; until then the next append reads it.
    if (last && known && last.seq > known.seq) this.#remember(runId, last.seq, last.hash, known.keyId);
    return events;
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    const r = await this.#pool.query<{
      run_id: string;
      plan_name: string;
      created_at_ms: string;
      head_seq: number;
      ended: boolean;
    }>(
      `SELECT r.run_id, r.plan_name, r.created_at_ms, coalesce(e.seq, 0) AS head_seq,
         EXISTS (SELECT 1 FROM events x WHERE x.run_id = r.run_id AND x.type = 'run.ended') AS ended
       FROM runs r LEFT JOIN LATERAL (
         SELECT seq FROM events WHERE run_id = r.run_id ORDER BY seq DESC LIMIT 1) AS e ON true
       ORDER BY r.created_at_ms DESC, r.run_id DESC`,
    );
    return r.rows.map((row) => ({
      runId: row.run_id,
      planName: row.plan_name,
      createdAtMs: Number(row.created_at_ms),
      lastSeq: row.head_seq,
      ended: row.ended,
    }));
  }

  async head(runId: string): Promise<{ seq: number; hash: string } | undefined> {
    const r = await hot<{ head_seq: number; head_hash: string }>(this.#pool, this.#prepared, HEAD, [runId]);
    const row = r.rows[0];
    return row && { seq: row.head_seq, hash: row.head_hash };
  }

  async verifyJournal(runId: string): Promise<JournalVerdict> {
    // The run's head is its last event (migration 9): no head is recorded apart from the rows to compare.
    const run = await this.#pool.query<{ key_id: string | null }>(
      'SELECT key_id FROM runs WHERE run_id = $1',
      [runId],
    );
    const head = run.rows[0];
    if (!head) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    const rows = await this.#pool.query<Omit<JournalRow, 'atMs'> & { atMs: string }>(
      `SELECT seq, at_ms AS "atMs", actor, data, prev_hash AS "prevHash", hash, mac FROM events
       WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    // A trigger counts only while enabled ('O' origin, 'A' always); 'D' is disabled. One with a WHEN
    // condition counts only with the one tminus wrote, or none (stricter). The events' primary key is listed
    // too: of two writers at one place, it is what turns the second away (migration 10).
    const triggers = await this.#pool.query<{ tgname: string; def: string }>(
      `SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal
       AND tgenabled IN ('O', 'A') AND tgrelid IN ('events'::regclass, 'runs'::regclass, 'journal'::regclass)
       UNION ALL
       SELECT 'primary key', pg_get_constraintdef(oid) FROM pg_constraint
       WHERE conrelid = 'events'::regclass AND contype = 'p'`,
    );
    const defs = new Map(triggers.rows.map((t) => [t.tgname, t.def]));
    const missingGuards: string[] = [];
    if (defs.get('primary key') !== 'PRIMARY KEY (run_id, seq)') {
      missingGuards.push("events' primary key (run_id, seq)");
    }
    for (const guard of PG_JOURNAL_GUARDS) {
      const def = defs.get(guard);
      if (def === undefined) {
        missingGuards.push(guard);
      } else if (!guardConditionKept(guard, def)) {
        missingGuards.push(`${guard} (its WHEN condition was changed)`);
      }
    }
    return this.#journal.verify({
      runId,
      keyId: head.key_id,
      head: undefined,
      rows: rows.rows.map((r) => ({ ...r, atMs: Number(r.atMs) })),
      missingGuards,
    });
  }

  async acquireLease(runId: string, holder: LeaseHolder, options: AcquireLeaseOptions): Promise<LeaseResult> {
    return this.#tx(async (c): Promise<LeaseResult> => {
      // Lock the run row: lease decisions for one run are serialised even when no lease row exists yet.
      await c.query('SELECT 1 FROM runs WHERE run_id = $1 FOR UPDATE', [runId]);
      return this.#grant(c, runId, holder, options);
    });
  }

  /** Grants the lease unless another holder has it live; the run row is locked by the caller. */
  async #grant(
    c: pg.PoolClient,
    runId: string,
    holder: LeaseHolder,
    options: AcquireLeaseOptions,
  ): Promise<LeaseResult> {
    const r = await c.query<{
      holder_id: string;
      pid: number;
      host: string;
      expires_at_ms: string;
      epoch: string;
    }>('SELECT holder_id, pid, host, expires_at_ms, epoch FROM leases WHERE run_id = $1', [runId]);
    const current = r.rows[0];
    const other = current && { id: current.holder_id, pid: current.pid, host: current.host };
    if (
      current &&
      other &&
      current.holder_id !== holder.id &&
      Number(current.expires_at_ms) > options.nowMs
    ) {
      if (!options.holderIsDead?.(other)) {
        return { ok: false, holder: other, expiresAtMs: Number(current.expires_at_ms) };
      }
    }
    const granted = await c.query<{ epoch: string }>(
      `INSERT INTO leases (run_id, holder_id, pid, host, expires_at_ms, epoch)
       VALUES ($1, $2, $3, $4, $5, nextval('tminus_lease_epoch'))
       ON CONFLICT (run_id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid,
         host = excluded.host, expires_at_ms = excluded.expires_at_ms, epoch = excluded.epoch
       RETURNING epoch`,
      [runId, holder.id, holder.pid, holder.host, options.nowMs + options.ttlMs],
    );
    const epoch = Number(granted.rows[0]!.epoch);
    return current && other && current.holder_id !== holder.id
      ? {
          ok: true,
          epoch,
          replaced: {
            holder: other,
            epoch: Number(current.epoch),
            expiresAtMs: Number(current.expires_at_ms),
          },
        }
      : { ok: true, epoch };
  }

  async claimRun(holder: LeaseHolder, options: AcquireLeaseOptions): Promise<ClaimedRun | undefined> {
    return this.#tx(async (c) => {
      // SKIP LOCKED: a run another worker is claiming (or appending to) right now is passed over, so
      // workers claiming at the same moment spread over the free runs instead of queueing on one.
      const free = await c.query<{ run_id: string }>(
        `SELECT r.run_id FROM runs r LEFT JOIN leases l ON l.run_id = r.run_id
         WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.run_id = r.run_id AND e.type = 'run.ended')
           AND (l.run_id IS NULL OR l.expires_at_ms <= $1)
         ORDER BY r.created_at_ms, r.run_id LIMIT 1 FOR UPDATE OF r SKIP LOCKED`,
        [options.nowMs],
      );
      const runId = free.rows[0]?.run_id;
      if (runId === undefined) return undefined;
      const granted = await this.#grant(c, runId, holder, options);
      return granted.ok ? { ...granted, runId } : undefined;
    });
  }

  async leaseEpoch(runId: string): Promise<number | undefined> {
    const r = await this.#pool.query<{ epoch: string }>('SELECT epoch FROM leases WHERE run_id = $1', [
      runId,
    ]);
    const row = r.rows[0];
    return row && Number(row.epoch);
  }

  async renewLease(runId: string, holderId: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = await this.#pool.query(
      'UPDATE leases SET expires_at_ms = $1 WHERE run_id = $2 AND holder_id = $3',
      [nowMs + ttlMs, runId, holderId],
    );
    return r.rowCount === 1;
  }

  async releaseLease(runId: string, holderId: string): Promise<void> {
    await this.#pool.query('DELETE FROM leases WHERE run_id = $1 AND holder_id = $2', [runId, holderId]);
  }

  async leaseOf(runId: string): Promise<{ holder: LeaseHolder; expiresAtMs: number } | undefined> {
    const r = await this.#pool.query<{ holder_id: string; pid: number; host: string; expires_at_ms: string }>(
      'SELECT holder_id, pid, host, expires_at_ms FROM leases WHERE run_id = $1',
      [runId],
    );
    const row = r.rows[0];
    return (
      row && {
        holder: { id: row.holder_id, pid: row.pid, host: row.host },
        expiresAtMs: Number(row.expires_at_ms),
      }
    );
  }

  async offerSteps(
    runId: string,
    steps: readonly { stepId: string; attempt: number }[],
    fence: AppendFence,
  ): Promise<boolean> {
    if (steps.length === 0) return true;
    // One statement (one round trip, its own transaction). FOR SHARE: a take-over (which updates the lease
    // row) waits until this offer is committed, so the new driver sees every offer its predecessor made;
    // after a take-over the old driver offers nothing. The hint for LISTENing workers ('0' is never news to
    // the run's driver: steps wait to be claimed) goes only with an offer made.
    const values = steps.map((_, i) => `($${i * 2 + 4}::text, $${i * 2 + 5}::integer)`);
    const r = await this.#pool.query<{ offered: boolean }>(
      `WITH lease AS MATERIALIZED (
         SELECT 1 FROM leases WHERE run_id = $1 AND holder_id = $2 AND epoch = $3 FOR SHARE),
       offer AS (
         INSERT INTO step_claims (run_id, step_id, attempt)
         SELECT $1, v.step_id, v.attempt FROM (VALUES ${values.join(', ')}) AS v (step_id, attempt)
         WHERE EXISTS (SELECT 1 FROM lease)
         ON CONFLICT (run_id, step_id, attempt) DO NOTHING)
       SELECT o.offered, CASE WHEN o.offered THEN pg_notify('tminus_runs', '0 ' || $1) END AS hinted
       FROM (SELECT EXISTS (SELECT 1 FROM lease) AS offered) AS o`,
      [runId, fence.holderId, fence.epoch, ...steps.flatMap((s) => [s.stepId, s.attempt])],
    );
    return r.rows[0]?.offered === true;
  }

  async runsWithOfferedSteps(limit: number): Promise<readonly string[]> {
    const r = await this.#pool.query<{ run_id: string }>(
      `SELECT s.run_id FROM step_claims s JOIN runs r ON r.run_id = s.run_id
       WHERE s.state = 'offered'
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.run_id = r.run_id AND e.type = 'run.ended')
       GROUP BY s.run_id ORDER BY min(s.offer_id) LIMIT $1`,
      [limit],
    );
    return r.rows.map((row) => row.run_id);
  }

  async claimStep(
    holder: LeaseHolder,
    options: { nowMs: number; ttlMs: number },
  ): Promise<ClaimedStep | undefined> {
    // SKIP LOCKED: workers claiming at the same moment each get a different step instead of queueing.
    const r = await this.#pool.query<{ run_id: string; step_id: string; attempt: number; epoch: string }>(
      `WITH free AS (
         SELECT s.run_id, s.step_id, s.attempt FROM step_claims s JOIN runs r ON r.run_id = s.run_id
         WHERE s.state = 'offered'
           AND NOT EXISTS (SELECT 1 FROM events e WHERE e.run_id = r.run_id AND e.type = 'run.ended')
         ORDER BY s.offer_id LIMIT 1 FOR UPDATE OF s SKIP LOCKED)
       UPDATE step_claims c SET state = 'claimed', holder_id = $1, pid = $2, host = $3, expires_at_ms = $4,
         epoch = nextval('tminus_step_epoch')
       FROM free WHERE c.run_id = free.run_id AND c.step_id = free.step_id AND c.attempt = free.attempt
       RETURNING c.run_id, c.step_id, c.attempt, c.epoch`,
      [holder.id, holder.pid, holder.host, options.nowMs + options.ttlMs],
    );
    const row = r.rows[0];
    return (
      row && {
        runId: row.run_id,
        stepId: row.step_id,
        attempt: row.attempt,
        holderId: holder.id,
        epoch: Number(row.epoch),
      }
    );
  }

  async renewStepClaim(claim: ClaimedStep, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = await this.#pool.query(
      `UPDATE step_claims SET expires_at_ms = $1 WHERE run_id = $2 AND step_id = $3 AND attempt = $4
       AND holder_id = $5 AND epoch = $6 AND state = 'claimed'`,
      [nowMs + ttlMs, claim.runId, claim.stepId, claim.attempt, claim.holderId, claim.epoch],
    );
    return r.rowCount === 1;
  }

  async openStepClaims(runId: string): Promise<readonly StepClaimRow[]> {
    const r = await this.#pool.query<{
      step_id: string;
      attempt: number;
      state: StepClaimRow['state'];
      holder_id: string | null;
      pid: number | null;
      host: string | null;
      epoch: string | null;
      expires_at_ms: string | null;
    }>(
      `SELECT step_id, attempt, state, holder_id, pid, host, epoch, expires_at_ms FROM step_claims
       WHERE run_id = $1 AND state <> 'done' ORDER BY offer_id`,
      [runId],
    );
    return r.rows.map((row) => ({
      stepId: row.step_id,
      attempt: row.attempt,
      state: row.state,
      ...(row.holder_id === null
        ? {}
        : { holder: { id: row.holder_id, pid: row.pid ?? 0, host: row.host ?? '' } }),
      ...(row.epoch === null ? {} : { epoch: Number(row.epoch) }),
      ...(row.expires_at_ms === null ? {} : { expiresAtMs: Number(row.expires_at_ms) }),
    }));
  }

  async revokeStepClaim(step: StepRef, nowMs: number): Promise<RevokedStepClaim | undefined> {
    const r = await this.#pool.query<{
      holder_id: string;
      pid: number;
      host: string;
      epoch: string;
      expires_at_ms: string;
    }>(
      `UPDATE step_claims SET state = 'revoked' WHERE run_id = $1 AND step_id = $2 AND attempt = $3
       AND (state = 'revoked' OR (state = 'claimed' AND expires_at_ms <= $4))
       RETURNING holder_id, pid, host, epoch, expires_at_ms`,
      [step.runId, step.stepId, step.attempt, nowMs],
    );
    const row = r.rows[0];
    return (
      row && {
        holder: { id: row.holder_id, pid: row.pid, host: row.host },
        epoch: Number(row.epoch),
        expiresAtMs: Number(row.expires_at_ms),
      }
    );
  }

  async withdrawStepOffer(step: StepRef): Promise<boolean> {
    const r = await this.#pool.query(
      `UPDATE step_claims SET state = 'done' WHERE run_id = $1 AND step_id = $2 AND attempt = $3
       AND state = 'offered'`,
      [step.runId, step.stepId, step.attempt],
    );
    return r.rowCount === 1;
  }

  async dropStepClaim(claim: ClaimedStep): Promise<boolean> {
    const r = await this.#pool.query(
      `UPDATE step_claims SET state = 'done' WHERE run_id = $1 AND step_id = $2 AND attempt = $3
       AND holder_id = $4 AND epoch = $5 AND state = 'claimed'`,
      [claim.runId, claim.stepId, claim.attempt, claim.holderId, claim.epoch],
    );
    return r.rowCount === 1;
  }

  async appendStepResult(
    claim: ClaimedStep,
    expectedSeq: number,
    events: readonly NewRunEvent[],
  ): Promise<AppendResult> {
    for (let retries = 0; ; retries++) {
      try {
        return await this.#appendStepResult(claim, expectedSeq, events);
      } catch (error) {
        // Another process appended at the same place and committed first: the transaction wrote nothing.
        if (!isTakenPlace(error) || retries >= TAKEN_PLACE_RETRIES) throw error;
      }
    }
  }

  async #appendStepResult(
    claim: ClaimedStep,
    expectedSeq: number,
    events: readonly NewRunEvent[],
  ): Promise<AppendResult> {
    const { runId } = claim;
    let key: JournalKey | undefined;
    let written: readonly RunEvent[] = [];
    const result = await this.#tx(async (c): Promise<AppendResult> => {
      // The claim row locked: a revocation (which locks it too) and this append are serialised, so a result is
      // either applied before the take-over or refused after it. The head is read after the lock; the append
      // applies only after it (another process appending meanwhile makes it answer 'moved').
      const current = await c.query<{ state: string; holder_id: string | null; epoch: string | null }>(
        `SELECT state, holder_id, epoch FROM step_claims WHERE run_id = $1 AND step_id = $2 AND attempt = $3
         FOR UPDATE`,
        [runId, claim.stepId, claim.attempt],
      );
      const mine = current.rows[0];
      const run = await c.query<{
        seq: number | null;
        hash: string | null;
        at_ms: string | null;
        key_id: string | null;
      }>(
        `SELECT e.seq, e.hash, e.at_ms, r.key_id FROM runs r LEFT JOIN LATERAL (
           SELECT seq, hash, at_ms FROM events WHERE run_id = r.run_id ORDER BY seq DESC LIMIT 1) AS e ON true
         WHERE r.run_id = $1`,
        [runId],
      );
      const row = run.rows[0];
      if (!row) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
      key = this.#journal.keyForRun(runId, row.key_id);
      let head = { seq: row.seq ?? 0, hash: row.hash ?? GENESIS_HASH, atMs: row.at_ms };
      if (
        mine?.state !== 'claimed' ||
        mine.holder_id !== claim.holderId ||
        Number(mine.epoch) !== claim.epoch
      ) {
        for (;;) {
          const rejection = rejectionEvent(
            { holderId: claim.holderId, epoch: claim.epoch },
            undefined,
            events,
            Number(head.atMs ?? 0),
            { stepId: claim.stepId, attempt: claim.attempt },
          );
          const sealed = this.#seal(runId, head.seq, head.hash, [rejection], key);
          const answer = await this.#appendIn(c, runId, head, sealed);
          if (answer.status === 'ok') {
            written = sealed.events;
            return { ok: false, lastSeq: head.seq + 1, rejected: written[0]! };
          }
          head = { seq: answer.head_seq, hash: answer.head_hash, atMs: answer.head_at_ms };
        }
      }
      if (head.seq !== expectedSeq) return { ok: false, lastSeq: head.seq };
      const sealed = this.#seal(runId, head.seq, head.hash, events, key);
      const answer = await this.#appendIn(c, runId, head, sealed);
      if (answer.status !== 'ok') return { ok: false, lastSeq: answer.head_seq };
      written = sealed.events;
      await c.query(
        `UPDATE step_claims SET state = 'done' WHERE run_id = $1 AND step_id = $2 AND attempt = $3`,
        [runId, claim.stepId, claim.attempt],
      );
      return { ok: true, events: written };
    });
    const last = written.at(-1);
    if (last) this.#remember(runId, last.seq, last.hash, key?.id ?? null);
    this.#witness(runId, written, key);
    return result;
  }

  /** Appends (unfenced) after a head, as a statement of the caller's transaction. */
  async #appendIn(
    c: pg.PoolClient,
    runId: string,
    head: { seq: number; hash: string },
    sealed: SealedEvents,
  ): Promise<AppendAnswer> {
    const answer = await tryAppend(
      c,
      this.#prepared,
      [runId, head.seq, head.hash, null, null, ...sealed.columns],
      sealed.events.length,
    );
    if (answer.status === 'missing') throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    return answer;
  }

  async createToken(token: AccessTokenRecord): Promise<void> {
    const r = await this.#pool.query(
      `INSERT INTO access_tokens (token_id, person, role, secret_hash, created_at_ms, expires_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_id) DO NOTHING`,
      tokenInsertValues(token),
    );
    if (r.rowCount !== 1) throw new TminusError('STORE_CONFLICT', `token ${token.id} already exists`);
  }

  async tokenById(id: string): Promise<AccessTokenRecord | undefined> {
    const r = await this.#pool.query<AccessTokenRow>('SELECT * FROM access_tokens WHERE token_id = $1', [id]);
    const row = r.rows[0];
    return row && tokenFromRow(row);
  }

  async listTokens(): Promise<readonly AccessTokenRecord[]> {
    const r = await this.#pool.query<AccessTokenRow>(
      'SELECT * FROM access_tokens ORDER BY created_at_ms DESC, token_id',
    );
    return r.rows.map(tokenFromRow);
  }

  async revokeToken(id: string, atMs: number): Promise<boolean> {
    const r = await this.#pool.query(
      'UPDATE access_tokens SET revoked_at_ms = $1 WHERE token_id = $2 AND revoked_at_ms IS NULL',
      [atMs, id],
    );
    return r.rowCount === 1;
  }

  async close(): Promise<void> {
    // After the pool: an append still in flight records its head while the pool ends.
    this.#appends.close();
    try {
      if (!this.#pool.ended) await this.#pool.end();
    } finally {
      this.#journal.close();
    }
  }

  /**
   * LISTEN on 'tminus_runs' over a connection of its own (not from the pool: a pooler in transaction mode
   * cannot hold a LISTEN, so workers there run without hints). Reconnects after a second when it drops.
   */
  async listen(
    onAppend: (runId: string, seq: number) => void,
    onLink?: (up: boolean, error?: unknown) => void,
  ): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.#url });
      client = c;
      let down = false;
      const lost = (error?: unknown) => {
        if (down) return;
        down = true;
        c.removeAllListeners('notification');
        void c.end().catch(() => undefined);
        if (stopped) return;
        onLink?.(false, error);
        retry = setTimeout(() => void connect().catch(lost), 1000);
      };
      c.on('error', lost);
      c.on('end', () => lost());
      c.on('notification', (n) => {
        const payload = n.payload ?? '';
        const space = payload.indexOf(' ');
        if (space > 0) onAppend(payload.slice(space + 1), Number(payload.slice(0, space)));
      });
      try {
        await c.connect();
        await c.query('LISTEN tminus_runs');
      } catch (error) {
        lost(error);
        return;
      }
      onLink?.(true);
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }
}

/**
 * The store's pool. Its connections set PG_APPEND_SETTING (`withSetting`): the append statement, the only
 * insert into events this store sends, checks the order itself, and the in-order guard skips its rows
 * (migration 10). Any other insert into events sent over this pool would go unguarded: there is none.
 */
function openPool(connectionString: string, withSetting: boolean): pg.Pool {
  const pool = new pg.Pool({
    connectionString: withSetting
      ? withSessionSetting(connectionString, PG_APPEND_SETTING.name, PG_APPEND_SETTING.value)
      : connectionString,
    max: 4,
  });
  // An idle pooled connection the server closed (a restart, a failover) is dropped from the pool; the next
  // query opens a new one. Without a listener the error would end the process.
  pool.on('error', () => undefined);
  // The same for a connection ended while checked out between statements (pg-pool listens only while idle).
  pool.on('connect', (client) => void client.on('error', () => undefined));
  return pool;
}

/** Brings the schema up to date and answers the store's id. */
async function setUp(pool: pg.Pool): Promise<string> {
  await migrate(pool);
  const r = await pool.query<{ store_id: string }>('SELECT store_id FROM journal');
  return r.rows[0]!.store_id;
}

/** The schema version of a PostgreSQL store (0 when tminus never set it up), without changing anything. */
export async function postgresSchemaVersion(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: postgresStoreUrl(url).connectionString });
  try {
    await c.connect();
    const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('tminus_schema') AS t`);
    if (exists.rows[0]?.t === null) return 0;
    const r = await c.query<{ version: number }>('SELECT version FROM tminus_schema');
    return r.rows[0]?.version ?? 0;
  } catch (cause) {
    throw new TminusError('STORE_UNUSABLE', `cannot read the PostgreSQL store: ${(cause as Error).message}`, {
      cause,
    });
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('tminus_schema'))`);
    await c.query('CREATE TABLE IF NOT EXISTS tminus_schema (version integer NOT NULL)');
    const r = await c.query<{ version: number }>('SELECT version FROM tminus_schema');
    const version = r.rows[0]?.version ?? 0;
    if (version > PG_MIGRATIONS.length) {
      throw new TminusError(
        'STORE_CORRUPT',
        `the store was written by a newer tminus (schema ${version}, this one knows ${PG_MIGRATIONS.length})`,
      );
    }
    for (let v = version; v < PG_MIGRATIONS.length; v++) await c.query(PG_MIGRATIONS[v]!);
    if (r.rows.length === 0) {
      await c.query('INSERT INTO tminus_schema (version) VALUES ($1)', [PG_MIGRATIONS.length]);
    } else await c.query('UPDATE tminus_schema SET version = $1', [PG_MIGRATIONS.length]);
    await c.query('COMMIT');
  } catch (error) {
    await c.query('ROLLBACK');
    throw error;
  } finally {
    c.release();
  }
}
