import { createRequire } from 'node:module';
import pg from 'pg';

/** The part of a pg-cursor the driver uses (the package ships no types). */
interface CursorLike {
  read(rows: number): Promise<unknown[]>;
  close(): Promise<void>;
}
const Cursor = createRequire(import.meta.url)('pg-cursor') as new (
  text: string,
  values: unknown[],
  config: { rowMode: 'array' },
) => CursorLike & pg.Submittable;

export interface PostgresDriverOptions {
  /** Sessions opened at most (default 1). */
  readonly connections?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  /** Also enforced by the server (`statement_timeout`), so a statement never outlives its caller. */
  readonly statementTimeoutMs?: number | undefined;
  /** Session settings, e.g. `-c TimeZone=UTC`. */
  readonly settings?: string | undefined;
}

/** One session held for several statements (a transaction). */
export interface PostgresSession {
  query(text: string, values?: readonly unknown[]): Promise<pg.QueryResult | pg.QueryResult[]>;
}

/**
 * The one PostgreSQL driver of tminus, for `data diff`/`data sync` and the SQL actions alike: a pool of
 * sessions (connect), statements by object or array rows, streamed rows through a cursor, and `close()` that
 * cancels the statements still running (`pg_cancel_backend` from a short-lived session: closing the socket
 * alone leaves a statement running, holding its locks, until the server notices) before ending the pool.
 */
export class PostgresDriver {
  readonly #pool: pg.Pool;
  readonly #size: number;
  /** Backend process ids of the sessions running a statement now. */
  readonly #running = new Map<pg.PoolClient, number>();
  #closing: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    options: PostgresDriverOptions = {},
  ) {
    this.#size = Math.max(1, options.connections ?? 1);
    this.#pool = new pg.Pool({
      connectionString: url,
      max: this.#size,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'tminus',
      ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
      ...(options.settings === undefined ? {} : { options: options.settings }),
    });
    this.#pool.on('error', () => undefined); // idle-session errors surface on the next statement instead
    // pg-pool listens for a session's errors only while it is idle: one the server ends while this driver holds
    // it between statements (a cursor between batches; a restart, `pg_terminate_backend`, `DROP … FORCE`)
    // would emit an unhandled 'error' and end the process. The next statement on it fails and says why.
    this.#pool.on('connect', (client) => void client.on('error', () => undefined));
  }

  /**
   * Opens every session of the pool at once (the pool otherwise opens one when a statement first finds the
   * others busy: a connection and a new backend paid in the middle of a run). A session that fails to open
   * fails this call.
   */
  async connectAll(): Promise<void> {
    const clients = await Promise.allSettled(Array.from({ length: this.#size }, () => this.#pool.connect()));
    for (const c of clients) if (c.status === 'fulfilled') c.value.release();
    const failed = clients.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Object rows of one statement. */
  async query<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    return this.#with(async (c) => (await c.query({ text, values: [...values] })).rows as T[]);
  }

  /** Array rows of one statement (every value as the server's text unless a parser applies). */
  async queryArrays(text: string, values: readonly unknown[] = []): Promise<(string | null)[][]> {
    return this.#with(
      async (c) =>
        (await c.query({ text, values: [...values], rowMode: 'array' })).rows as (string | null)[][],
    );
  }

  /** Runs `work` on one session held throughout (for a transaction); its statements can be cancelled. */
  session<T>(work: (session: PostgresSession) => Promise<T>): Promise<T> {
    return this.#with((c) =>
      work({ query: (text, values = []) => c.query({ text, values: [...values] }) as never }),
    );
  }

  /** Streams a statement's array rows through a cursor, `batch` rows per round trip: memory stays flat. */
  async *stream(text: string, values: readonly unknown[], batch: number): AsyncGenerator<unknown[]> {
    const client = await this.#pool.connect();
    this.#track(client);
    const cursor = client.query(new Cursor(text, [...values], { rowMode: 'array' }));
    // A session the server ends between two reads (a restart, `pg_terminate_backend`) leaves pg-cursor's next
    // read waiting for ever: the client's 'error' fails the read in progress, or the next one, instead.
    let lost: Error | undefined;
    let failRead: (error: Error) => void = () => undefined;
    const onError = (error: Error) => {
      lost = error;
      failRead(error);
    };
    client.on('error', onError);
    try {
      for (;;) {
        const rows = await new Promise<unknown[]>((resolve, reject) => {
          if (lost) return reject(lost);
          failRead = reject;
          cursor.read(batch).then(resolve, reject);
        });
        if (rows.length === 0) break;
        for (const r of rows) yield r as unknown[];
      }
    } finally {
      client.removeListener('error', onError);
      this.#running.delete(client);
      if (!lost) await cursor.close().catch(() => undefined);
      client.release(lost);
    }
  }

  /** Cancels every statement running now; the sessions stay open. */
  async cancel(): Promise<void> {
    const pids = [...new Set(this.#running.values())];
    if (pids.length === 0) return;
    const canceller = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: 5_000,
      application_name: 'tminus-cancel',
    });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) pid', [pids]);
    } finally {
      await canceller.end();
    }
  }

  /** Cancels what runs, then closes every session; safe to call twice. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      await this.cancel().catch(() => undefined);
      await this.#pool.end();
    })());
  }

  async #with<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    this.#track(client);
    try {
      return await work(client);
    } finally {
      this.#running.delete(client);
      client.release();
    }
  }

  #track(client: pg.PoolClient): void {
    // The backend's process id comes with the connection (BackendKeyData): no query needed.
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) this.#running.set(client, pid);
  }
}
