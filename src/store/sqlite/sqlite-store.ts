import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { NewRunEvent, RunEvent, RunEventData } from '../../core/run-event.js';
import { GENESIS_HASH } from '../../core/run-event.js';
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
  AppendResult,
  LeaseHolder,
  LeaseResult,
  RunStore,
  RunSummary,
  TokenStore,
} from '../store.js';
import { JOURNAL_GUARDS, MIGRATIONS } from './migrations.js';

interface EventRow {
  run_id: string;
  seq: number;
  at_ms: number;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

interface RunRow {
  run_id: string;
  plan_name: string;
  created_at_ms: number;
  head_seq: number;
  head_hash: string;
  ended: number;
  key_id: string | null;
}

interface LeaseRow {
  holder_id: string;
  pid: number;
  host: string;
  expires_at_ms: number;
}

const toEvent = (r: EventRow): RunEvent => ({
  runId: r.run_id,
  seq: r.seq,
  atMs: r.at_ms,
  actor: r.actor,
  data: JSON.parse(r.data) as RunEventData,
  prevHash: r.prev_hash,
  hash: r.hash,
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

  private constructor(db: Database.Database, journal: StoreJournal) {
    this.#db = db;
    this.#journal = journal;
  }

  /**
   * Opens (creating if needed) a store file, or `:memory:` for tests and simulations. The journal key and
   * witness live outside the store (`journal`, default: from the environment; see `journalOptionsFromEnv`).
   */
  static open(path: string, journal?: JournalOptions): SqliteStore {
    const options =
      journal ??
      (path === ':memory:' ? inMemoryJournal() : journalOptionsFromEnv(process.env, dirname(resolve(path))));
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
    } catch (cause) {
      throw new TminusError('FILE_UNREADABLE', `cannot open the store ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    migrate(db);
    const { store_id: storeId } = db.prepare('SELECT store_id FROM journal').get() as { store_id: string };
    return new SqliteStore(db, new StoreJournal(options, storeId));
  }

  async createRun(runId: string, events: readonly NewRunEvent[]): Promise<readonly RunEvent[]> {
    const first = events[0];
    if (first === undefined || first.data.type !== 'run.started') {
      throw new TminusError('INTERNAL', 'a run starts with a run.started event');
    }
    const planName = first.data.planName;
    let key: JournalKey | undefined;
    const tx = this.#db.transaction(() => {
      const exists = this.#db.prepare('SELECT 1 FROM runs WHERE run_id = ?').get(runId);
      if (exists) throw new TminusError('STORE_CONFLICT', `run ${runId} already exists`);
      const store = this.#db.prepare('SELECT key_id FROM journal').get() as { key_id: string | null };
      const chosen = this.#journal.keyForNewRun(store.key_id);
      key = chosen.key;
      if (chosen.created) this.#db.prepare('UPDATE journal SET key_id = ?').run(key.id);
      this.#db
        .prepare(
          'INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash, key_id) VALUES (?, ?, ?, 0, ?, ?)',
        )
        .run(runId, planName, first.atMs, GENESIS_HASH, key.id);
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

  async append(runId: string, expectedSeq: number, events: readonly NewRunEvent[]): Promise<AppendResult> {
    let key: JournalKey | undefined;
    const tx = this.#db.transaction((): AppendResult => {
      const run = this.#db
        .prepare('SELECT head_seq, head_hash, key_id FROM runs WHERE run_id = ?')
        .get(runId) as Pick<RunRow, 'head_seq' | 'head_hash' | 'key_id'> | undefined;
      if (!run) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
      if (run.head_seq !== expectedSeq) return { ok: false, lastSeq: run.head_seq };
      key = this.#journal.keyForRun(runId, run.key_id);
      return { ok: true, events: this.#insert(runId, run.head_seq, run.head_hash, events, key) };
    });
    const result = tx.immediate();
    if (result.ok) this.#witness(runId, result.events, key);
    return result;
  }

  #insert(
    runId: string,
    headSeq: number,
    headHash: string,
    events: readonly NewRunEvent[],
    key: JournalKey | undefined,
  ): RunEvent[] {
    const insert = this.#db.prepare(
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
    this.#db
      .prepare('UPDATE runs SET head_seq = ?, head_hash = ?, ended = ended OR ? WHERE run_id = ?')
      .run(seq, prevHash, ended ? 1 : 0, runId);
    return stored;
  }

  async readEvents(runId: string, afterSeq = 0, limit = -1): Promise<readonly RunEvent[]> {
    const rows = this.#db
      .prepare('SELECT * FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(runId, afterSeq, limit) as EventRow[];
    return rows.map(toEvent);
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    const rows = this.#db
      .prepare('SELECT * FROM runs ORDER BY created_at_ms DESC, run_id DESC')
      .all() as RunRow[];
    return rows.map((r) => ({
      runId: r.run_id,
      planName: r.plan_name,
      createdAtMs: r.created_at_ms,
      lastSeq: r.head_seq,
      ended: r.ended === 1,
    }));
  }

  async head(runId: string): Promise<{ seq: number; hash: string } | undefined> {
    const r = this.#db.prepare('SELECT head_seq, head_hash FROM runs WHERE run_id = ?').get(runId) as
      Pick<RunRow, 'head_seq' | 'head_hash'> | undefined;
    return r && { seq: r.head_seq, hash: r.head_hash };
  }

  async verifyJournal(runId: string): Promise<JournalVerdict> {
    const run = this.#db
      .prepare('SELECT head_seq, head_hash, key_id FROM runs WHERE run_id = ?')
      .get(runId) as Pick<RunRow, 'head_seq' | 'head_hash' | 'key_id'> | undefined;
    if (!run) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
    const rows = this.#db
      .prepare(
        'SELECT seq, at_ms AS atMs, actor, data, prev_hash AS prevHash, hash, mac FROM events WHERE run_id = ? ORDER BY seq',
      )
      .all(runId) as JournalRow[];
    const present = new Set(
      (
        this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]
      ).map((t) => t.name),
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
    const tx = this.#db.transaction((): LeaseResult => {
      const current = this.#db
        .prepare('SELECT holder_id, pid, host, expires_at_ms FROM leases WHERE run_id = ?')
        .get(runId) as LeaseRow | undefined;
      if (current && current.holder_id !== holder.id && current.expires_at_ms > options.nowMs) {
        const other = { id: current.holder_id, pid: current.pid, host: current.host };
        if (!options.holderIsDead?.(other)) {
          return { ok: false, holder: other, expiresAtMs: current.expires_at_ms };
        }
      }
      this.#db
        .prepare(
          `INSERT INTO leases (run_id, holder_id, pid, host, expires_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (run_id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid,
             host = excluded.host, expires_at_ms = excluded.expires_at_ms`,
        )
        .run(runId, holder.id, holder.pid, holder.host, options.nowMs + options.ttlMs);
      return { ok: true };
    });
    return tx.immediate();
  }

  async renewLease(runId: string, holderId: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const r = this.#db
      .prepare('UPDATE leases SET expires_at_ms = ? WHERE run_id = ? AND holder_id = ?')
      .run(nowMs + ttlMs, runId, holderId);
    return r.changes === 1;
  }

  async releaseLease(runId: string, holderId: string): Promise<void> {
    this.#db.prepare('DELETE FROM leases WHERE run_id = ? AND holder_id = ?').run(runId, holderId);
    return;
  }

  async leaseOf(runId: string): Promise<{ holder: LeaseHolder; expiresAtMs: number } | undefined> {
    const r = this.#db
      .prepare('SELECT holder_id, pid, host, expires_at_ms FROM leases WHERE run_id = ?')
      .get(runId) as LeaseRow | undefined;
    return r && { holder: { id: r.holder_id, pid: r.pid, host: r.host }, expiresAtMs: r.expires_at_ms };
  }

  async createToken(token: AccessTokenRecord): Promise<void> {
    const r = this.#db
      .prepare(
        `INSERT INTO access_tokens (token_id, person, role, secret_hash, created_at_ms, expires_at_ms)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (token_id) DO NOTHING`,
      )
      .run(...tokenInsertValues(token));
    if (r.changes !== 1) throw new TminusError('STORE_CONFLICT', `token ${token.id} already exists`);
  }

  async tokenById(id: string): Promise<AccessTokenRecord | undefined> {
    const r = this.#db.prepare('SELECT * FROM access_tokens WHERE token_id = ?').get(id) as
      AccessTokenRow | undefined;
    return r && tokenFromRow(r);
  }

  async listTokens(): Promise<readonly AccessTokenRecord[]> {
    const rows = this.#db
      .prepare('SELECT * FROM access_tokens ORDER BY created_at_ms DESC, token_id')
      .all() as AccessTokenRow[];
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, atMs: number): Promise<boolean> {
    const r = this.#db
      .prepare('UPDATE access_tokens SET revoked_at_ms = ? WHERE token_id = ? AND revoked_at_ms IS NULL')
      .run(atMs, id);
    return r.changes === 1;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
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
