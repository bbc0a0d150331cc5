import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { NewRunEvent, RunEvent, RunEventData } from '../../core/run/run-event.js';
import { GENESIS_HASH } from '../../core/run/run-event.js';
import { TminusError } from '../../core/tminus-error.js';
import type { JournalRow, JournalVerdict } from '../journal/journal-audit.js';
import type { JournalKey } from '../journal/journal-key.js';
import { sealEvent } from '../journal/journal-seal.js';
import type { JournalOptions } from '../journal/store-journal.js';
import { StoreJournal, inMemoryJournal, journalOptionsFromEnv } from '../journal/store-journal.js';
import type { AccessTokenRow } from '../access-token-row.js';
import { tokenFromRow, tokenInsertValues } from '../access-token-row.js';
import type {
  AccessTokenRecord,
  AcquireLeaseOptions,
  AppendFence,
  AppendResult,
  ClaimedRun,
  LeaseHolder,
  LeaseResult,
  RunStore,
  RunSummary,
  TokenStore,
} from '../store.js';
import { JOURNAL_GUARDS, MIGRATIONS } from './migrations.js';
import { aboutStore, sqliteFailure } from './sqlite-failure.js';
import { rejectionEvent } from '../rejection-event.js';

export interface SqliteOpenOptions {
  /**
   * Only read (status, log, audit verify): never creates, migrates or writes anything, so it works on a store
   * the user may read but not write.
   */
  readonly readonly?: boolean;
  /** Where the journal key and witness are (default: from the environment; see `journalOptionsFromEnv`). */
  readonly journal?: JournalOptions;
}

/** The columns an event is read from (not `run_id`, `type` or `mac`: a resume reads 100,000 rows). */
/** An event's row as an array (a raw statement): seq, at_ms, actor, data, prev_hash, hash. */
type EventRow = [seq: number, atMs: number, actor: string, data: string, prevHash: string, hash: string];

/** Rows read at a time: a journal of 100,000 events read at once keeps every row's text alive until all are built. */
const PAGE_ROWS = 4096;

interface RunRow {
  run_id: string;
  plan_name: string;
  created_at_ms: number;
  head_seq: number;
  head_hash: string;
  ended: number;
  key_id: string | null;
}

/** What an append's transaction did: its answer, and the events it wrote with their key (for the witness). */
interface AppendWritten {
  readonly result: AppendResult;
  readonly written: readonly RunEvent[];
  readonly key: JournalKey | undefined;
}

interface LeaseRow {
  holder_id: string;
  pid: number;
  host: string;
  expires_at_ms: number;
  epoch: number;
}

/** Builds an event from its row; `runId` is the one asked for (not a new string for each of 100,000 rows). */
const toEvent = (runId: string, r: EventRow): RunEvent => ({
  runId,
  seq: r[0],
  atMs: r[1],
  actor: r[2],
  data: JSON.parse(r[3]) as RunEventData,
  prevHash: r[4],
  hash: r[5],
});

/**
 * The embedded store: one SQLite file in WAL mode, `synchronous=FULL` so an acknowledged event survives a
 * power loss, writes in `BEGIN IMMEDIATE` transactions so concurrent processes serialise on the file lock.
 *
 * @example const store = SqliteStore.open('.tminus/tminus.db');
 */
export class SqliteStore implements RunStore, TokenStore {
  readonly #db: Database.Database;
  readonly #journal: StoreJournal;
  readonly #cleanup: (() => void) | undefined;
  /** Statements prepared once per connection: preparing costs more than running these small queries. */
  readonly #statements = new Map<string, Database.Statement>();
  /** The journal read, returning rows as arrays (a raw statement of its own: `raw()` changes a statement). */
  #eventRows: Database.Statement | undefined;
  /** The transaction of an append: what it answers, the events it wrote and the key they were sealed with. */
  #appendTx: Database.Transaction<(...args: Parameters<SqliteStore['append']>) => AppendWritten> | undefined;

  private constructor(db: Database.Database, journal: StoreJournal, cleanup?: () => void) {
    this.#db = db;
    this.#journal = journal;
    this.#cleanup = cleanup;
  }

  /**
   * Opens (creating if needed) a store file, or `:memory:` for tests and simulations. A file that is not a
   * tminus store, is damaged, or cannot be created or written fails with `STORE_UNUSABLE` naming it, here or
   * in any later call. The journal key and witness live outside the store.
   */
  static open(path: string, options: SqliteOpenOptions = {}): SqliteStore {
    const journal =
      options.journal ??
      (path === ':memory:' ? inMemoryJournal() : journalOptionsFromEnv(process.env, dirname(resolve(path))));
    const journalOf = (db: Database.Database) => {
      const { store_id: storeId } = db.prepare('SELECT store_id FROM journal').get() as { store_id: string };
      return new StoreJournal(journal, storeId);
    };
    if (path === ':memory:') {
      const db = setUp(new Database(path), path);
      return new SqliteStore(db, journalOf(db));
    }
    const opened = options.readonly ? openReadonly(path) : { db: openWritable(path) };
    return translatingFailures(
      new SqliteStore(
        opened.db,
        aboutStore(path, () => journalOf(opened.db)),
        opened.cleanup,
      ),
      path,
    );
  }

  #sql(text: string): Database.Statement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  async createRun(runId: string, events: readonly NewRunEvent[]): Promise<readonly RunEvent[]> {
    const first = events[0];
    if (first === undefined || first.data.type !== 'run.started') {
      throw new TminusError('INTERNAL', 'a run starts with a run.started event');
    }
    const planName = first.data.planName;
    let key: JournalKey | undefined;
    const tx = this.#db.transaction(() => {
      const exists = this.#sql('SELECT 1 FROM runs WHERE run_id = ?').get(runId);
      if (exists) throw new TminusError('STORE_CONFLICT', `run ${runId} already exists`);
      const store = this.#sql('SELECT key_id FROM journal').get() as { key_id: string | null };
      const chosen = this.#journal.keyForNewRun(store.key_id);
      key = chosen.key;
      if (chosen.created) this.#sql('UPDATE journal SET key_id = ?').run(key.id);
      this.#sql(
        'INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash, key_id) VALUES (?, ?, ?, 0, ?, ?)',
      ).run(runId, planName, first.atMs, GENESIS_HASH, key.id);
      return this.#insert(runId, 0, GENESIS_HASH, events, key);
    });
    const stored = tx.immediate();
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
    // One transaction function for every append (making one costs more than running this small one).
    this.#appendTx ??= this.#db.transaction((...args: Parameters<SqliteStore['append']>) =>
      this.#appendIn(...args),
    );
    const { result, written, key } = this.#appendTx.immediate(runId, expectedSeq, events, fence);
    this.#witness(runId, written, key);
    return result;
  }

  #appendIn(
    runId: string,
    expectedSeq: number,
    events: readonly NewRunEvent[],
    fence?: AppendFence,
  ): AppendWritten {
    const run = this.#sql('SELECT head_seq, head_hash, key_id FROM runs WHERE run_id = ?').get(runId) as
      Pick<RunRow, 'head_seq' | 'head_hash' | 'key_id'> | undefined;
    if (!run) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    if (fence) {
      const lease = this.#sql('SELECT holder_id, epoch FROM leases WHERE run_id = ?').get(runId) as
        Pick<LeaseRow, 'holder_id' | 'epoch'> | undefined;
      if (lease?.holder_id !== fence.holderId || lease.epoch !== fence.epoch) {
        const head = this.#sql('SELECT at_ms FROM events WHERE run_id = ? AND seq = ?').get(
          runId,
          run.head_seq,
        ) as { at_ms: number } | undefined;
        const key = this.#journal.keyForRun(runId, run.key_id);
        const rejection = rejectionEvent(fence, lease, events, head?.at_ms ?? 0);
        const written = this.#insert(runId, run.head_seq, run.head_hash, [rejection], key);
        return { result: { ok: false, lastSeq: run.head_seq + 1, rejected: written[0]! }, written, key };
      }
    }
    if (run.head_seq !== expectedSeq) {
      return { result: { ok: false, lastSeq: run.head_seq }, written: [], key: undefined };
    }
    const key = this.#journal.keyForRun(runId, run.key_id);
    const written = this.#insert(runId, run.head_seq, run.head_hash, events, key);
    return { result: { ok: true, events: written }, written, key };
  }

  #insert(
    runId: string,
    headSeq: number,
    headHash: string,
    events: readonly NewRunEvent[],
    key: JournalKey | undefined,
  ): RunEvent[] {
    const insert = this.#sql(
      'INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const stored: RunEvent[] = [];
    let prevHash = headHash;
    let seq = headSeq;
    let ended = false;
    for (const e of events) {
      seq += 1;
      const body = { runId, seq, atMs: Math.round(e.atMs), actor: e.actor, data: e.data };
      const { hash, mac } = sealEvent(key, prevHash, body);
      insert.run(runId, seq, body.atMs, e.actor, e.data.type, JSON.stringify(e.data), prevHash, hash, mac);
      stored.push({ ...body, prevHash, hash });
      prevHash = hash;
      if (e.data.type === 'run.ended') ended = true;
    }
    this.#sql('UPDATE runs SET head_seq = ?, head_hash = ?, ended = ended OR ? WHERE run_id = ?').run(
      seq,
      prevHash,
      ended ? 1 : 0,
      runId,
    );
    return stored;
  }

  async readEvents(runId: string, afterSeq = 0, limit = -1): Promise<readonly RunEvent[]> {
    // Rows come as arrays, a page at a time, so each page's row texts die young: a long journal is read with
    // far less garbage collection. Pages need no common snapshot: events are never changed and their
    // sequence numbers have no gaps, so page after page is always a prefix of the journal.
    this.#eventRows ??= this.#db
      .prepare(
        'SELECT seq, at_ms, actor, data, prev_hash, hash FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .raw();
    const events: RunEvent[] = [];
    let after = afterSeq;
    for (;;) {
      const want = limit < 0 ? PAGE_ROWS : Math.min(PAGE_ROWS, limit - events.length);
      if (want <= 0) return events;
      const page = this.#eventRows.all(runId, after, want) as EventRow[];
      for (const r of page) events.push(toEvent(runId, r));
      if (page.length < want) return events;
      after = events[events.length - 1]!.seq;
    }
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    const rows = this.#sql('SELECT * FROM runs ORDER BY created_at_ms DESC, run_id DESC').all() as RunRow[];
    return rows.map((r) => ({
      runId: r.run_id,
      planName: r.plan_name,
      createdAtMs: r.created_at_ms,
      lastSeq: r.head_seq,
      ended: r.ended === 1,
    }));
  }

  async head(runId: string): Promise<{ seq: number; hash: string } | undefined> {
    const r = this.#sql('SELECT head_seq, head_hash FROM runs WHERE run_id = ?').get(runId) as
      Pick<RunRow, 'head_seq' | 'head_hash'> | undefined;
    return r && { seq: r.head_seq, hash: r.head_hash };
  }

  async verifyJournal(runId: string): Promise<JournalVerdict> {
    const run = this.#sql('SELECT head_seq, head_hash, key_id FROM runs WHERE run_id = ?').get(runId) as
      Pick<RunRow, 'head_seq' | 'head_hash' | 'key_id'> | undefined;
    if (!run) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    const rows = this.#sql(
      'SELECT seq, at_ms AS atMs, actor, data, prev_hash AS prevHash, hash, mac FROM events WHERE run_id = ? ORDER BY seq',
    ).all(runId) as JournalRow[];
    const present = new Set(
      (this.#sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    );
    return this.#journal.verify({
      runId,
      keyId: run.key_id,
      head: { seq: run.head_seq, hash: run.head_hash },
      rows,
      missingGuards: JOURNAL_GUARDS.filter((g) => !present.has(g)),
    });
  }

  async acquireLease(runId: string, holder: LeaseHolder, options: AcquireLeaseOptions): Promise<LeaseResult> {
    return this.#db.transaction((): LeaseResult => this.#grant(runId, holder, options)).immediate();
  }

  /** Grants the lease unless another holder has it live; inside a write transaction. */
  #grant(runId: string, holder: LeaseHolder, options: AcquireLeaseOptions): LeaseResult {
    const current = this.#sql(
      'SELECT holder_id, pid, host, expires_at_ms, epoch FROM leases WHERE run_id = ?',
    ).get(runId) as LeaseRow | undefined;
    const other = current && { id: current.holder_id, pid: current.pid, host: current.host };
    if (current && other && current.holder_id !== holder.id && current.expires_at_ms > options.nowMs) {
      if (!options.holderIsDead?.(other)) {
        return { ok: false, holder: other, expiresAtMs: current.expires_at_ms };
      }
    }
    const { n: epoch } = this.#sql('UPDATE lease_epoch SET n = n + 1 RETURNING n').get() as {
      n: number;
    };
    this.#sql(
      `INSERT INTO leases (run_id, holder_id, pid, host, expires_at_ms, epoch) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid,
           host = excluded.host, expires_at_ms = excluded.expires_at_ms, epoch = excluded.epoch`,
    ).run(runId, holder.id, holder.pid, holder.host, options.nowMs + options.ttlMs, epoch);
    return current && other && current.holder_id !== holder.id
      ? {
          ok: true,
          epoch,
          replaced: { holder: other, epoch: current.epoch, expiresAtMs: current.expires_at_ms },
        }
      : { ok: true, epoch };
  }

  async claimRun(holder: LeaseHolder, options: AcquireLeaseOptions): Promise<ClaimedRun | undefined> {
    // One writer at a time (BEGIN IMMEDIATE): two workers never claim the same run.
    const tx = this.#db.transaction((): ClaimedRun | undefined => {
      const free = this.#sql(
        `SELECT r.run_id FROM runs r LEFT JOIN leases l ON l.run_id = r.run_id
           WHERE NOT r.ended AND (l.run_id IS NULL OR l.expires_at_ms <= ?)
           ORDER BY r.created_at_ms, r.run_id LIMIT 1`,
      ).get(options.nowMs) as { run_id: string } | undefined;
      if (!free) return undefined;
      const granted = this.#grant(free.run_id, holder, options);
      return granted.ok ? { ...granted, runId: free.run_id } : undefined;
    });
    return tx.immediate();
  }

  async leaseEpoch(runId: string): Promise<number | undefined> {
    const r = this.#sql('SELECT epoch FROM leases WHERE run_id = ?').get(runId) as
      { epoch: number } | undefined;
    return r?.epoch;
  }

  async renewLease(runId: string, holderId: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = this.#sql('UPDATE leases SET expires_at_ms = ? WHERE run_id = ? AND holder_id = ?').run(
      nowMs + ttlMs,
      runId,
      holderId,
    );
    return r.changes === 1;
  }

  async releaseLease(runId: string, holderId: string): Promise<void> {
    this.#sql('DELETE FROM leases WHERE run_id = ? AND holder_id = ?').run(runId, holderId);
    return;
  }

  async leaseOf(runId: string): Promise<{ holder: LeaseHolder; expiresAtMs: number } | undefined> {
    const r = this.#sql('SELECT holder_id, pid, host, expires_at_ms FROM leases WHERE run_id = ?').get(
      runId,
    ) as LeaseRow | undefined;
    return r && { holder: { id: r.holder_id, pid: r.pid, host: r.host }, expiresAtMs: r.expires_at_ms };
  }

  async createToken(token: AccessTokenRecord): Promise<void> {
    const r = this.#sql(
      `INSERT INTO access_tokens (token_id, person, role, secret_hash, created_at_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token_id) DO NOTHING`,
    ).run(...tokenInsertValues(token));
    if (r.changes !== 1) throw new TminusError('STORE_CONFLICT', `token ${token.id} already exists`);
  }

  async tokenById(id: string): Promise<AccessTokenRecord | undefined> {
    const r = this.#sql('SELECT * FROM access_tokens WHERE token_id = ?').get(id) as
      AccessTokenRow | undefined;
    return r && tokenFromRow(r);
  }

  async listTokens(): Promise<readonly AccessTokenRecord[]> {
    const rows = this.#sql(
      'SELECT * FROM access_tokens ORDER BY created_at_ms DESC, token_id',
    ).all() as AccessTokenRow[];
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, atMs: number): Promise<boolean> {
    const r = this.#sql(
      'UPDATE access_tokens SET revoked_at_ms = ? WHERE token_id = ? AND revoked_at_ms IS NULL',
    ).run(atMs, id);
    return r.changes === 1;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    this.#journal.close();
    this.#cleanup?.();
    return;
  }
}

function openWritable(path: string): Database.Database {
  return aboutStore(path, () => {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      return setUp(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function setUp(db: Database.Database, path: string): Database.Database {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db, path);
  return db;
}

/**
 * A read-only connection. SQLite cannot open a WAL-mode file read-only in a directory it may not write
 * unless a writer has the `-wal`/`-shm` files open; with no `-wal` file every event is in the main file, so
 * a private copy of it is read instead (a writer that starts meanwhile cannot be this user, who may not
 * write there).
 */
function openReadonly(path: string): { db: Database.Database; cleanup?: () => void } {
  try {
    return { db: readonlyAt(path) };
  } catch (cause) {
    const code = String((cause as { code?: unknown }).code ?? '');
    if (code !== 'SQLITE_READONLY_DIRECTORY' || existsSync(`${path}-wal`)) {
      throw sqliteFailure(path, cause) ?? cause;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'tminus-read-'));
  try {
    copyFileSync(path, join(dir, 'tminus.db'));
    const db = readonlyAt(join(dir, 'tminus.db'), path);
    return { db, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (cause) {
    rmSync(dir, { recursive: true, force: true });
    throw sqliteFailure(path, cause) ?? cause;
  }
}

function readonlyAt(file: string, shownAs = file): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const version = schemaVersion(db, shownAs);
    if (version < MIGRATIONS.length) {
      throw new TminusError(
        'STORE_UNUSABLE',
        `the store ${shownAs} was written by an older tminus (schema ${version}, this one reads ${MIGRATIONS.length})`,
        { hint: 'a command that writes (such as `tminus resume`) upgrades it; reading alone cannot' },
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The schema version; a SQLite file that is not (yet) a tminus store but has tables of its own is refused. */
function schemaVersion(db: Database.Database, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (tables.n > 0) {
      throw new TminusError('STORE_UNUSABLE', `${path} is a SQLite database, but not a tminus store`, {
        hint: 'it was left untouched: keep the store elsewhere with --store PATH (or TMINUS_STORE)',
      });
    }
  }
  return version;
}

/** Every call of the store translates what SQLite throws about the file (damage found later, a full disk). */
function translatingFailures(store: SqliteStore, path: string): SqliteStore {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise
            ? result.catch((cause: unknown) => {
                throw sqliteFailure(path, cause) ?? cause;
              })
            : result;
        } catch (cause) {
          throw sqliteFailure(path, cause) ?? cause;
        }
      };
    },
  });
}

function migrate(db: Database.Database, path: string): void {
  const version = schemaVersion(db, path);
  if (version > MIGRATIONS.length) {
    throw new TminusError(
      'STORE_CORRUPT',
      `the store was written by a newer tminus (schema ${version}, this one knows ${MIGRATIONS.length})`,
      { hint: 'upgrade tminus' },
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
