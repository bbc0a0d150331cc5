import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigStore } from './config-store.js';

/** Refuses, before anything is read, keys the store cannot hold; names every bad key at once. */
export function checkStoreKeys(store: ConfigStore, keys: readonly string[]): void {
  const problems = keys.flatMap((k) => {
    const why = store.checkKey(k);
    return why === undefined ? [] : [why];
  });
  if (problems.length > 0) {
    throw new TminusError('INVALID_PARAMS', `${store.label}: ${problems.join('; ')}`, { retryable: false });
  }
}
