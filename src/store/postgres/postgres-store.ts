import pg from 'pg';
import type { NewRunEvent, RunEvent, RunEventData } from '../../core/run-event.js';
import { GENESIS_HASH } from '../../core/run-event.js';
import { TminusError } from '../../core/tminus-error.js';
import { eventHash } from '../event-hash.js';
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
import { PG_MIGRATIONS } from './migrations.js';

interface EventRow {
  run_id: string;
  seq: number;
  at_ms: string;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
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
 * @example const store = await PostgresStore.open('postgres://tminus@db/tminus');
 */
export class PostgresStore implements RunStore, TokenStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      await migrate(pool);
    } catch (cause) {
      await pool.end();
      throw new TminusError(
        'FILE_UNREADABLE',
        `cannot open the PostgreSQL store: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    return new PostgresStore(pool);
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
    return this.#tx(async (c) => {
      const inserted = await c.query(
        `INSERT INTO runs (run_id, plan_name, created_at_ms, head_seq, head_hash) VALUES ($1, $2, $3, 0, $4)
         ON CONFLICT (run_id) DO NOTHING`,
        [runId, planName, Math.round(first.atMs), GENESIS_HASH],
      );
      if (inserted.rowCount !== 1) throw new TminusError('STORE_CONFLICT', `run ${runId} already exists`);
      return this.#insert(c, runId, 0, GENESIS_HASH, events);
    });
  }

  async append(runId: string, expectedSeq: number, events: readonly NewRunEvent[]): Promise<AppendResult> {
    return this.#tx(async (c): Promise<AppendResult> => {
      const run = await c.query<{ head_seq: number; head_hash: string }>(
        'SELECT head_seq, head_hash FROM runs WHERE run_id = $1 FOR UPDATE',
        [runId],
      );
      const row = run.rows[0];
      if (!row) throw new TminusError('RUN_NOT_FOUND', `no run ${runId} in this store`);
      if (row.head_seq !== expectedSeq) return { ok: false, lastSeq: row.head_seq };
      return { ok: true, events: await this.#insert(c, runId, row.head_seq, row.head_hash, events) };
    });
  }

  async #insert(
    c: pg.PoolClient,
    runId: string,
    headSeq: number,
    headHash: string,
    events: readonly NewRunEvent[],
  ): Promise<RunEvent[]> {
    const stored: RunEvent[] = [];
    const values: unknown[] = [];
    let prevHash = headHash;
    let seq = headSeq;
    let ended = false;
    for (const e of events) {
      seq += 1;
      const body = { runId, seq, atMs: Math.round(e.atMs), actor: e.actor, data: e.data };
      const hash = eventHash(prevHash, body);
      values.push(runId, seq, body.atMs, e.actor, e.data.type, JSON.stringify(e.data), prevHash, hash);
      stored.push({ ...body, prevHash, hash });
      prevHash = hash;
      if (e.data.type === 'run.ended') ended = true;
    }
    if (stored.length > 0) {
      const rows = stored.map(
        (_, i) => `(${Array.from({ length: 8 }, (__, j) => `$${i * 8 + j + 1}`).join(', ')})`,
      );
      await c.query(
        `INSERT INTO events (run_id, seq, at_ms, actor, type, data, prev_hash, hash) VALUES ${rows.join(', ')}`,
        values,
      );
    }
    await c.query('UPDATE runs SET head_seq = $1, head_hash = $2, ended = ended OR $3 WHERE run_id = $4', [
      seq,
      prevHash,
      ended,
      runId,
    ]);
    return stored;
  }

  async readEvents(runId: string, afterSeq = 0, limit?: number): Promise<readonly RunEvent[]> {
    const r = await this.#pool.query<EventRow>(
      `SELECT run_id, seq, at_ms, actor, data, prev_hash, hash FROM events
       WHERE run_id = $1 AND seq > $2 ORDER BY seq ${limit === undefined || limit < 0 ? '' : 'LIMIT $3'}`,
      limit === undefined || limit < 0 ? [runId, afterSeq] : [runId, afterSeq, limit],
    );
    return r.rows.map(toEvent);
  }

  async listRuns(): Promise<readonly RunSummary[]> {
    const r = await this.#pool.query<{
      run_id: string;
      plan_name: string;
      created_at_ms: string;
      head_seq: number;
      ended: boolean;
    }>('SELECT * FROM runs ORDER BY created_at_ms DESC, run_id DESC');
    return r.rows.map((row) => ({
      runId: row.run_id,
      planName: row.plan_name,
      createdAtMs: Number(row.created_at_ms),
      lastSeq: row.head_seq,
      ended: row.ended,
    }));
  }

  async head(runId: string): Promise<{ seq: number; hash: string } | undefined> {
    const r = await this.#pool.query<{ head_seq: number; head_hash: string }>(
      'SELECT head_seq, head_hash FROM runs WHERE run_id = $1',
      [runId],
    );
    const row = r.rows[0];
    return row && { seq: row.head_seq, hash: row.head_hash };
  }

  async acquireLease(runId: string, holder: LeaseHolder, options: AcquireLeaseOptions): Promise<LeaseResult> {
    return this.#tx(async (c): Promise<LeaseResult> => {
      // Lock the run row: lease decisions for one run are serialised even when no lease row exists yet.
      await c.query('SELECT 1 FROM runs WHERE run_id = $1 FOR UPDATE', [runId]);
      const r = await c.query<{ holder_id: string; pid: number; host: string; expires_at_ms: string }>(
        'SELECT holder_id, pid, host, expires_at_ms FROM leases WHERE run_id = $1',
        [runId],
      );
      const current = r.rows[0];
      if (current && current.holder_id !== holder.id && Number(current.expires_at_ms) > options.nowMs) {
        const other = { id: current.holder_id, pid: current.pid, host: current.host };
        if (!options.holderIsDead?.(other)) {
          return { ok: false, holder: other, expiresAtMs: Number(current.expires_at_ms) };
        }
      }
      await c.query(
        `INSERT INTO leases (run_id, holder_id, pid, host, expires_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (run_id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid,
           host = excluded.host, expires_at_ms = excluded.expires_at_ms`,
        [runId, holder.id, holder.pid, holder.host, options.nowMs + options.ttlMs],
      );
      return { ok: true };
    });
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
    if (!this.#pool.ended) await this.#pool.end();
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
