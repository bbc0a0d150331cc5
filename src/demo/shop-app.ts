import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { KEEP_ALIVE_MS } from './traffic-proxy.js';

/** The shop's tables: the ones both sides have, and the legacy side's change log the replicator reads. */
const SCHEMA = `
  PRAGMA journal_mode = WAL;
  CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);
  CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id), item TEXT NOT NULL,
    quantity INTEGER NOT NULL, total_cents INTEGER NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL
  );
  CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, row_id INTEGER NOT NULL);
  CREATE TRIGGER orders_inserted AFTER INSERT ON orders BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('orders', NEW.id); END;
  CREATE TRIGGER orders_updated AFTER UPDATE ON orders BEGIN
    INSERT INTO changes (tbl, row_id) VALUES ('orders', NEW.id); END;
`;

export const ITEMS = ['kettle', 'teapot', 'mug', 'tea tin', 'strainer', 'tray'] as const;
const PRICES: Readonly<Record<string, number>> = {
  kettle: 3900,
  teapot: 2450,
  mug: 890,
  'tea tin': 1275,
  strainer: 450,
  tray: 1990,
};
export const STATUSES = ['new', 'paid', 'packed', 'shipped'] as const;

/** Writes the legacy shop database: `customers` customers and `orders` orders, the same every time. */
export function seedLegacy(path: string, counts: { customers: number; orders: number }): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
    const customer = db.prepare('INSERT INTO customers (id, name, email) VALUES (?, ?, ?)');
    const order = db.prepare(
      'INSERT INTO orders (customer_id, item, quantity, total_cents, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (let i = 1; i <= counts.customers; i++) {
        customer.run(i, `Customer ${i}`, `customer${i}@example.com`);
      }
      for (let i = 1; i <= counts.orders; i++) {
        const item = ITEMS[i % ITEMS.length]!;
        const quantity = 1 + (i % 3);
        order.run(
          1 + (i % counts.customers),
          item,
          quantity,
          quantity * PRICES[item]!,
          STATUSES[i % STATUSES.length]!,
          new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
        );
      }
    })();
  } finally {
    db.close();
  }
}

/** Faults the new version can be given. */
export interface ShopFaults {
  /** Every write answers 500 (reads still work), e.g. a database user left read-only. */
  writesFail?: boolean;
}

/**
 * A small shop web application over its own SQLite file: the legacy version and the new one are the same
 * code on different databases (the new one may be given a fault). JSON API:
 * `GET /healthz`, `GET /orders/:id`, `POST /orders`, `POST /orders/:id/status`.
 */
export class ShopApp {
  readonly name: string;
  readonly db: Database.Database;
  readonly faults: ShopFaults;
  #server: Server | undefined;
  url = '';
  /** Requests to /orders answered, and the writes among them that changed data. */
  requests = 0;
  writes = 0;

  constructor(name: string, dbPath: string, faults: ShopFaults = {}) {
    this.name = name;
    this.db = new Database(dbPath, { fileMustExist: true });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.faults = faults;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.keepAliveTimeout = KEEP_ALIVE_MS;
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    if (this.db.open) this.db.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, value: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'x-app': this.name })
        .end(JSON.stringify(value));
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => resolve(text));
    });
    const path = new URL(req.url ?? '/', 'http://shop').pathname;
    if (path === '/healthz') {
      send(200, { ok: true, app: this.name });
      return;
    }
    const one = /^\/orders\/(\d+)$/.exec(path);
    const status = /^\/orders\/(\d+)\/status$/.exec(path);
    const write = req.method === 'POST';
    if (path.startsWith('/orders')) this.requests++;
    if (write && this.faults.writesFail && path.startsWith('/orders')) {
      send(500, { error: 'attempt to write a readonly database' });
      return;
    }
    try {
      if (one && req.method === 'GET') {
        const row = this.db.prepare('SELECT * FROM orders WHERE id = ?').get(Number(one[1]));
        if (row) send(200, row);
        else send(404, { error: `no order ${one[1]}` });
        return;
      }
      if (path === '/orders' && write) {
        const { customerId, item, quantity } = JSON.parse(body) as {
          customerId: number;
          item: string;
          quantity: number;
        };
        const price = PRICES[item];
        if (price === undefined || !Number.isInteger(quantity) || quantity < 1) {
          send(400, { error: `bad order: item '${item}', quantity ${quantity}` });
          return;
        }
        const info = this.db
          .prepare(
            'INSERT INTO orders (customer_id, item, quantity, total_cents, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(customerId, item, quantity, quantity * price, 'new', new Date().toISOString());
        this.writes++;
        send(201, { id: Number(info.lastInsertRowid) });
        return;
      }
      if (status && write) {
        const { status: next } = JSON.parse(body) as { status: string };
        const info = this.db
          .prepare('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?')
          .run(next, new Date().toISOString(), Number(status[1]));
        if (info.changes === 0) {
          send(404, { error: `no order ${status[1]}` });
          return;
        }
        this.writes++;
        send(200, { id: Number(status[1]), status: next });
        return;
      }
      send(404, { error: `no ${req.method ?? ''} ${path}` });
    } catch (error) {
      send(500, { error: (error as Error).message });
    }
  }
}
