import type { ConfigValue } from './config-value.js';

/** A key's current value in a store; `secret` when the store itself says so (SecureString, Secrets Manager). */
export interface StoredValue {
  readonly value: ConfigValue;
  readonly secret?: boolean;
}

/** One key to change: `to` undefined removes it. `from` is what it held when it was read. */
export interface KeyChange {
  readonly key: string;
  readonly from: StoredValue | undefined;
  readonly to: ConfigValue | undefined;
  readonly secret: boolean;
}

export interface WriteContext {
  readonly signal: AbortSignal;
  /** Stable across attempts of one step: stores with idempotency tokens use it. */
  readonly idempotencyKey: string;
}

/**
 * Where configuration lives: a file, SSM Parameter Store, Secrets Manager or etcd. `read` then `write` is
 * a compare-and-swap: `write` changes nothing and throws `CONFIG_CAS_MISMATCH` when a key no longer holds
 * its `from` value (atomically where the store can: a file's bytes, an etcd transaction; read-check-write
 * where it cannot, as documented per store). A write is all or nothing.
 */
export interface ConfigStore {
  /** `dotenv /srv/shop/.env`, `ssm eu-west-1`, `etcd http://127.0.0.1:2379`. */
  readonly label: string;
  /** The store keeps text only: numbers and booleans are written as their text. */
  readonly textOnly: boolean;
  /** Why a key cannot exist in this store (syntax), or undefined. */
  checkKey(key: string): string | undefined;
  /** The keys' current values; absent keys are missing from the map. */
  read(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, StoredValue>>;
  write(changes: readonly KeyChange[], ctx: WriteContext): Promise<void>;
}
