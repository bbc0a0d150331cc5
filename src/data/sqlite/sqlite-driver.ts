import Database from 'better-sqlite3';

export interface SqliteDriverOptions {
  /** Opens the file read-only (`data diff` always; the SQL actions for read-only work). */
  readonly readOnly: boolean;
  /** How long a statement waits for another writer's lock (default: better-sqlite3's 5 s). */
  readonly busyTimeoutMs?: number | undefined;
}

/**
 * The one SQLite driver of tminus, for `data diff` and the SQL actions alike, over better-sqlite3. The file
 * must exist (a typo must not silently create an empty database). Statements run synchronously in-process:
 * there is nothing to cancel, and rows are iterated one at a time, so memory stays flat.
 */
export class SqliteDriver {
  readonly #db: Database.Database;

  constructor(path: string, options: SqliteDriverOptions) {
    this.#db = new Database(path, {
      readonly: options.readOnly,
      fileMustExist: true,
      ...(options.busyTimeoutMs === undefined ? {} : { timeout: options.busyTimeoutMs }),
    });
  }

  /** A prepared statement (its columns, whether it returns rows, `all`/`iterate`/`run`). */
  prepare(sql: string): Database.Statement {
    return this.#db.prepare(sql);
  }

  /** Array rows of a statement, integers as bigint (exact past 2^53). */
  all(sql: string, params: readonly unknown[]): unknown[][] {
    return this.#db
      .prepare(sql)
      .raw(true)
      .safeIntegers(true)
      .all(...params) as unknown[][];
  }

  /** Array rows of a statement one at a time, integers as bigint. */
  iterate(sql: string, params: readonly unknown[]): IterableIterator<unknown[]> {
    return this.#db
      .prepare(sql)
      .raw(true)
      .safeIntegers(true)
      .iterate(...params) as IterableIterator<unknown[]>;
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}
