import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

/** Faults the replication can be given. */
export interface ReplicatorFaults {
  /** Orders created after the initial load reach the new database without their total (a mapping bug). */
  dropTotals?: boolean;
}

export interface ReplicationStatus {
  readonly running: boolean;
  /** Last change applied, and the latest change on the legacy side. */
  readonly applied: number;
  readonly latest: number;
  readonly lag: number;
}

/**
 * Loads the new database from the legacy one (an online SQLite backup), then carries every change written on
 * the legacy side since (its `changes` log, filled by triggers) to the new database, as a replication tool
 * would. It answers `GET /replication` with its status, which the plan's final-sync step waits on.
 */
export class Replicator {
  readonly #legacy: Database.Database;
  readonly #target: Database.Database;
  readonly #faults: ReplicatorFaults;
  #applied = 0;
  #timer: NodeJS.Timeout | undefined;
  #stalled = false;
  #server: Server | undefined;
  url = '';
  /** Changes carried since the initial load. */
  carried = 0;

  private constructor(legacy: Database.Database, target: Database.Database, faults: ReplicatorFaults) {
    this.#legacy = legacy;
    this.#target = target;
    this.#faults = faults;
  }

  /** Copies the legacy database to `newPath` and starts carrying later changes every `pollMs`. */
  static async start(
    legacyPath: string,
    newPath: string,
    options: { faults?: ReplicatorFaults; pollMs?: number } = {},
  ): Promise<Replicator> {
    const legacy = new Database(legacyPath, { fileMustExist: true });
    legacy.pragma('busy_timeout = 5000');
    const fence = (legacy.prepare('SELECT coalesce(max(id), 0) AS n FROM changes').get() as { n: number }).n;
    await legacy.backup(newPath);
    const target = new Database(newPath, { fileMustExist: true });
    target.pragma('journal_mode = WAL');
    target.pragma('busy_timeout = 5000');
    target.exec(`
      DROP TRIGGER orders_inserted; DROP TRIGGER orders_updated; DROP TABLE changes;
      CREATE TABLE replication_state (applied INTEGER NOT NULL);
    `);
    target.prepare('INSERT INTO replication_state (applied) VALUES (?)').run(fence);
    const r = new Replicator(legacy, target, options.faults ?? {});
    r.#applied = fence;
    r.#timer = setInterval(() => r.#tick(), options.pollMs ?? 50);
    r.#server = createServer((req, res) => {
      const status = r.status();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    });
    await new Promise<void>((resolve) => r.#server!.listen(0, '127.0.0.1', () => resolve()));
    r.url = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}`;
    return r;
  }

  status(): ReplicationStatus {
    const latest = (
      this.#legacy.prepare('SELECT coalesce(max(id), 0) AS n FROM changes').get() as { n: number }
    ).n;
    return { running: !this.#stalled, applied: this.#applied, latest, lag: latest - this.#applied };
  }

  /** Stops applying changes (a stuck replication task), until `restart`. */
  stall(): void {
    this.#stalled = true;
  }

  restart(): void {
    this.#stalled = false;
  }

  #tick(): void {
    if (this.#stalled || !this.#legacy.open || !this.#target.open) return;
    const changes = this.#legacy
      .prepare('SELECT id, tbl, row_id FROM changes WHERE id > ? ORDER BY id LIMIT 500')
      .all(this.#applied) as { id: number; tbl: string; row_id: number }[];
    if (changes.length === 0) return;
    const read = this.#legacy.prepare('SELECT * FROM orders WHERE id = ?');
    const upsert = this.#target.prepare(
      `INSERT INTO orders (id, customer_id, item, quantity, total_cents, status, updated_at)
       VALUES (@id, @customer_id, @item, @quantity, @total_cents, @status, @updated_at)
       ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id, item = excluded.item,
         quantity = excluded.quantity, total_cents = excluded.total_cents, status = excluded.status,
         updated_at = excluded.updated_at`,
    );
    const exists = this.#target.prepare('SELECT 1 FROM orders WHERE id = ?');
    const mark = this.#target.prepare('UPDATE replication_state SET applied = ?');
    let applied = this.#applied;
    let carried = 0;
    this.#target.transaction(() => {
      for (const c of changes) {
        const row = read.get(c.row_id) as Record<string, unknown> | undefined;
        if (row) {
          const isNew = exists.get(c.row_id) === undefined;
          upsert.run(this.#faults.dropTotals && isNew ? { ...row, total_cents: 0 } : row);
        }
        applied = c.id;
        carried++;
      }
      mark.run(applied);
    })();
    this.#applied = applied;
    this.carried += carried;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const server = this.#server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.#legacy.close();
    this.#target.close();
  }
}
