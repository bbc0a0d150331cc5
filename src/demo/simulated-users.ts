import { ITEMS, STATUSES } from './shop-app.js';

/** What the simulated users saw. */
export interface UserCounts {
  readonly requests: number;
  readonly failed: number;
  readonly writes: number;
  /** Answers by the application that served them (the proxy's `x-served-by`). */
  readonly servedBy: Readonly<Record<string, number>>;
  /** The slowest answer, in real milliseconds (a maintenance hold shows here). */
  readonly slowestMs: number;
  /** The first few failures, to say what they were. */
  readonly failures: readonly string[];
}

export interface UsersOptions {
  readonly url: string;
  readonly users: number;
  /** Orders 1..seededOrders exist on both sides; users read and update those. */
  readonly seededOrders: number;
  readonly customers: number;
  /** Real milliseconds between two requests of one user. */
  readonly thinkMs: number;
  /** A request with no answer after this long is a failure (default 150 s: longer than any hold). */
  readonly timeoutMs?: number;
}

/**
 * Shoppers using the shop through the traffic switch the whole time: each reads an order, places one or moves
 * one along (about 60 / 25 / 15 %), one request after the other. Any answer other than 2xx, or none, is a
 * failed request. Deterministic per user (a small LCG), so runs are comparable.
 */
export class SimulatedUsers {
  readonly #o: UsersOptions;
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #requests = 0;
  #failed = 0;
  #writes = 0;
  #slowestMs = 0;
  readonly #servedBy: Record<string, number> = {};
  readonly #failures: string[] = [];
  #onWrite: (() => void)[] = [];

  constructor(options: UsersOptions) {
    this.#o = options;
  }

  start(): this {
    this.#loops = Array.from({ length: this.#o.users }, (_, i) => this.#user(i + 1));
    return this;
  }

  /** Resolves once `n` writes have been answered (so the run starts with changes to carry). */
  writesReached(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#writes >= n) resolve();
        else this.#onWrite.push(check);
      };
      check();
    });
  }

  async stop(): Promise<UserCounts> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    return this.counts();
  }

  counts(): UserCounts {
    return {
      requests: this.#requests,
      failed: this.#failed,
      writes: this.#writes,
      servedBy: { ...this.#servedBy },
      slowestMs: this.#slowestMs,
      failures: [...this.#failures],
    };
  }

  async #user(n: number): Promise<void> {
    let seed = n * 7919;
    const next = (max: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % max;
    };
    while (!this.#stop.signal.aborted) {
      const dice = next(100);
      const order = 1 + next(this.#o.seededOrders);
      const request: [string, RequestInit] =
        dice < 60
          ? [`/orders/${order}`, { method: 'GET' }]
          : dice < 85
            ? [
                '/orders',
                {
                  method: 'POST',
                  body: JSON.stringify({
                    customerId: 1 + next(this.#o.customers),
                    item: ITEMS[next(ITEMS.length)],
                    quantity: 1 + next(3),
                  }),
                },
              ]
            : [
                `/orders/${order}/status`,
                { method: 'POST', body: JSON.stringify({ status: STATUSES[next(STATUSES.length)] }) },
              ];
      await this.#send(request[0], request[1]);
      await new Promise((r) => setTimeout(r, this.#o.thinkMs));
    }
  }

  async #send(path: string, init: RequestInit): Promise<void> {
    const started = performance.now();
    this.#requests++;
    try {
      // Requests are not cancelled when the demo stops: one in flight is seen through to its answer.
      const response = await fetch(`${this.#o.url}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 150_000),
      });
      await response.arrayBuffer();
      const by = response.headers.get('x-served-by') ?? 'unknown';
      this.#servedBy[by] = (this.#servedBy[by] ?? 0) + 1;
      if (!response.ok) this.#fail(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} from ${by}`);
      else if (init.method === 'POST') {
        this.#writes++;
        for (const w of this.#onWrite.splice(0)) w();
      }
    } catch (error) {
      this.#fail(`${init.method ?? 'GET'} ${path}: ${(error as Error).message}`);
    } finally {
      this.#slowestMs = Math.max(this.#slowestMs, performance.now() - started);
    }
  }

  #fail(what: string): void {
    this.#failed++;
    if (this.#failures.length < 5) this.#failures.push(what);
  }
}
