import type { TableQuery } from './dialect.js';
import type { BoundSql } from './query-shapes.js';
import { queryError } from './query-shapes.js';
import type { RenderedValues } from './tminus-hashing.js';
import { finishRendered } from './tminus-hashing.js';

/** What a network engine's driver offers a dialect (see `postgres/postgres-driver.ts`, `mysql/mysql-driver.ts`). */
export interface StatementDriver {
  query<T>(sql: string, values?: readonly unknown[]): Promise<T[]>;
  queryArrays(sql: string, values?: readonly unknown[]): Promise<(string | null)[][]>;
  stream(sql: string, values: readonly unknown[], batch: number): AsyncGenerator<unknown[]>;
}

/** Rows fetched per round trip when a query is streamed. */
const STREAM_BATCH = 2_000;

/** A side's statements, with every driver error reported as a `DATA_QUERY` naming the side (written once). */
export class SideQueries {
  constructor(
    private readonly driver: StatementDriver,
    private readonly label: string,
  ) {}

  /** Object rows. */
  async run<T>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    try {
      return await this.driver.query<T>(sql, values);
    } catch (error) {
      throw queryError(this.label, error);
    }
  }

  /** Array rows. */
  async arrays(sql: string, values: readonly unknown[] = []): Promise<(string | null)[][]> {
    try {
      return await this.driver.queryArrays(sql, values);
    } catch (error) {
      throw queryError(this.label, error);
    }
  }

  /** Array rows of a shared query shape. */
  bound(q: BoundSql): Promise<(string | null)[][]> {
    return this.arrays(q.sql, q.values);
  }

  /** Rendered rows streamed and finished (for checksums computed in tminus): memory stays flat. */
  async *rendered(q: TableQuery, rows: BoundSql): AsyncGenerator<RenderedValues> {
    try {
      for await (const v of this.driver.stream(rows.sql, rows.values, STREAM_BATCH)) {
        yield finishRendered(q, v as RenderedValues);
      }
    } catch (error) {
      throw queryError(this.label, error);
    }
  }
}
