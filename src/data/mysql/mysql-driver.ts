import mysql from 'mysql2';

type Pool = ReturnType<typeof mysql.createPool>;

export interface MysqlDriverOptions {
  /** Sessions opened at most (default 1). */
  readonly connections?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  /** Run once on every new session before its first statement (time zone, character set, timeouts). */
  readonly sessionSql?: string | undefined;
  /** mysql2 value handling beyond the defaults (exact big numbers, dates as the server shows them). */
  readonly typeOptions?: Pick<mysql.PoolOptions, 'charset' | 'jsonStrings' | 'decimalNumbers'> | undefined;
}

/** What one statement returned: rows (objects or arrays) and columns, or the rows a change touched. */
export interface MysqlResult {
  readonly rows: unknown[] | undefined;
  readonly columns: readonly string[];
  readonly affectedRows: number;
}

/** One session held for several statements (a transaction). */
export interface MysqlSession {
  query(sql: string, values?: readonly unknown[]): Promise<MysqlResult>;
}

/**
 * The one MySQL/MariaDB driver of tminus, for `data diff` and the SQL actions alike: a pool of sessions
 * (connect), statements by object or array rows, streamed rows with back-pressure, and `close()` that stops the
 * statements still running (`KILL QUERY` from a short-lived session: a dropped socket does not stop a
 * statement on the server) before closing every session.
 */
export class MysqlDriver {
  readonly #pool: Pool;
  /** Thread ids of the sessions running a statement now. */
  readonly #running = new Set<number>();
  #closing: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    options: MysqlDriverOptions = {},
  ) {
    this.#pool = mysql.createPool({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      connectionLimit: Math.max(1, options.connections ?? 1),
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true, // dates as the server shows them, not shifted into the client's time zone
      ...options.typeOptions,
    });
    const sessionSql = options.sessionSql;
    if (sessionSql) {
      // Queued on the new session before anything else it runs.
      this.#pool.on('connection', (c) => void c.query(sessionSql));
    }
  }

  /** Object rows of one statement. */
  async query<T>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    return (await this.#run({ sql }, values)).rows as T[];
  }

  /** Array rows of one statement. */
  async queryArrays(sql: string, values: readonly unknown[] = []): Promise<(string | null)[][]> {
    return (await this.#run({ sql, rowsAsArray: true }, values)).rows as (string | null)[][];
  }

  /** Runs `work` on one session held throughout (for a transaction); its statements can be stopped. */
  async session<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    const conn = await this.#connection();
    try {
      return await work({ query: (sql, values = []) => this.#on(conn, { sql }, values) });
    } finally {
      conn.release();
    }
  }

  /** Streams a statement's array rows on one session with back-pressure: memory stays flat. */
  async *stream(sql: string, values: readonly unknown[], batch: number): AsyncGenerator<unknown[]> {
    const conn = await this.#connection();
    this.#running.add(conn.threadId);
    try {
      const rows = conn.query({ sql, rowsAsArray: true }, [...values]).stream({ highWaterMark: batch });
      for await (const r of rows) yield r as unknown[];
    } finally {
      this.#running.delete(conn.threadId);
      conn.release();
    }
  }

  /** Stops every statement running now; the sessions stay open. */
  async cancel(): Promise<void> {
    const ids = [...this.#running];
    if (ids.length === 0) return;
    const killer = mysql.createConnection({
      uri: this.url.replace(/^mariadb:/i, 'mysql:'),
      connectTimeout: 5_000,
    });
    killer.on('error', () => undefined);
    try {
      for (const id of ids) {
        await new Promise<void>((resolve) => killer.query(`KILL QUERY ${Number(id)}`, () => resolve()));
      }
    } finally {
      killer.destroy();
    }
  }

  /** Stops what runs, then closes every session; safe to call twice. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      await this.cancel().catch(() => undefined);
      await new Promise<void>((resolve) => this.#pool.end(() => resolve()));
    })());
  }

  async #run(options: mysql.QueryOptions, values: readonly unknown[]): Promise<MysqlResult> {
    const conn = await this.#connection();
    try {
      return await this.#on(conn, options, values);
    } finally {
      conn.release();
    }
  }

  #on(
    conn: mysql.PoolConnection,
    options: mysql.QueryOptions,
    values: readonly unknown[],
  ): Promise<MysqlResult> {
    this.#running.add(conn.threadId);
    return new Promise<MysqlResult>((resolve, reject) =>
      conn.query(options, [...values], (error, result, fields) => {
        this.#running.delete(conn.threadId);
        if (error) return reject(error);
        if (Array.isArray(result)) {
          const columns = Array.isArray(fields) ? fields.map((f) => f.name) : [];
          resolve({ rows: result as unknown[], columns, affectedRows: 0 });
        } else {
          resolve({
            rows: undefined,
            columns: [],
            affectedRows: (result as mysql.ResultSetHeader).affectedRows,
          });
        }
      }),
    );
  }

  #connection(): Promise<mysql.PoolConnection> {
    return new Promise((resolve, reject) =>
      this.#pool.getConnection((error, c) => (error ? reject(error) : resolve(c))),
    );
  }
}
