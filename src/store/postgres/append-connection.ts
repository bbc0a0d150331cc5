import type pg from 'pg';

/**
 * One pooled connection kept checked out for a store's appends, so an append does not go through the
 * pool's checkout and release (its queue, listeners and idle timer: ~6 µs of client CPU a call,
 * docs/benchmarks.md). Taken only when free: an append made while another is in flight goes through the
 * pool as before, so appends to different runs still run side by side. Dropped (destroyed, as the pool does
 * after any failed query) on the connection's error or a failed statement; taken again from the pool on a
 * later append. Nothing is held across statements but the connection itself: every append is one
 * autocommit statement, so this holds through a pooler in transaction mode too.
 */
export class AppendConnection {
  readonly #pool: pg.Pool;
  #client: pg.PoolClient | undefined;
  #busy = false;
  #connecting = false;
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** The held connection, marked busy until `done`; undefined (use the pool) when busy or not held yet. */
  take(): pg.PoolClient | undefined {
    const client = this.#client;
    if (client === undefined || this.#busy) return undefined;
    this.#busy = true;
    return client;
  }

  /**
   * After an append that went through the pool: hold a connection from now on. Asked then (not before the
   * append) so the pool hands over the connection that append just gave back, not a new one.
   */
  hold(): void {
    if (this.#client === undefined) this.#connect();
  }

  /** After the statement sent on `client`: a failure drops it (it may be broken). */
  done(client: pg.PoolClient, failed: boolean): void {
    this.#busy = false;
    if (failed || this.#closed) this.#drop(client, failed);
  }

  /** Gives the connection back to the pool (before the pool ends); one in use is given back after use. */
  close(): void {
    this.#closed = true;
    if (this.#client !== undefined && !this.#busy) this.#drop(this.#client, false);
  }

  #connect(): void {
    if (this.#connecting || this.#closed) return;
    this.#connecting = true;
    this.#pool.connect().then(
      (client) => {
        this.#connecting = false;
        if (this.#closed || this.#client !== undefined) {
          client.release();
          return;
        }
        this.#client = client;
        client.on('error', this.#onError);
      },
      () => {
        // The server is out of reach: the appends' own statements, through the pool, will say so.
        this.#connecting = false;
      },
    );
  }

  /** The held connection ended or failed while idle or in use: no longer taken (an in-flight use fails). */
  readonly #onError = (): void => {
    const client = this.#client;
    if (client !== undefined && !this.#busy) this.#drop(client, true);
  };

  #drop(client: pg.PoolClient, destroy: boolean): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.removeListener('error', this.#onError);
    client.release(destroy);
  }
}
