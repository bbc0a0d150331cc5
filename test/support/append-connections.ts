import pg from 'pg';
import { vi } from 'vitest';

/**
 * The connections a PostgreSQL store's appends go over from now on (each append is one `INSERT INTO events`
 * statement), by a spy on node-postgres's client; `vi.restoreAllMocks()` ends it.
 */
export function appendConnections(): pg.Client[] {
  const used: pg.Client[] = [];
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as { text?: string } | string;
    if ((typeof q === 'string' ? q : (q.text ?? '')).includes('INSERT INTO events')) used.push(this);
    return original.apply(this, args);
  } as never);
  return used;
}
