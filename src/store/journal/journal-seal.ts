import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '../../core/canonical-json.js';
import type { RunEvent } from '../../core/run/run-event.js';
import { hashedBody } from '../../core/run/run-event.js';
import type { JournalKey } from './journal-key.js';

export type EventBody = Omit<RunEvent, 'hash' | 'prevHash'>;

/** What is stored beside an event: its chain link and, in a keyed journal, a seal of its content alone. */
export interface EventSeal {
  /** HMAC-SHA256(key, prevHash ‖ body): the chain. Unkeyed (legacy): sha256(prevHash ‖ body). */
  readonly hash: string;
  /** HMAC-SHA256(key, body), null in a legacy journal: tells an edited event from a recomputed chain. */
  readonly mac: string | null;
}

/** The unkeyed sha256 chain of journals written before keys (and what a forger without the key computes). */
export function legacyEventHash(prevHash: string, event: EventBody): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedBody(event)))
    .digest('hex');
}

const hmac = (key: JournalKey, ...parts: string[]): string => {
  const h = createHmac('sha256', key.secret);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** The chain hash alone (for verification). */
export const keyedEventHash = (key: JournalKey, prevHash: string, event: EventBody): string =>
  hmac(key, 'tminus chain\n', prevHash, canonicalJson(hashedBody(event)));

/** The content seal alone (for verification). */
export const eventMac = (key: JournalKey, event: EventBody): string =>
  hmac(key, 'tminus event\n', canonicalJson(hashedBody(event)));

/**
 * Seals an event about to be appended: keyed when the run has a key, the legacy chain otherwise. The
 * canonical text is made once for both the chain hash and the seal (the same bytes either alone would hash).
 */
export function sealEvent(key: JournalKey | undefined, prevHash: string, event: EventBody): EventSeal {
  if (!key) return { hash: legacyEventHash(prevHash, event), mac: null };
  const body = canonicalJson(hashedBody(event));
  return { hash: hmac(key, 'tminus chain\n', prevHash, body), mac: hmac(key, 'tminus event\n', body) };
}

/** The MAC of a witness line: binds a store, a run and a head together under the key. */
export const witnessMac = (key: JournalKey, storeId: string, runId: string, seq: number, hash: string) =>
  hmac(key, 'tminus witness\n', `${storeId}\n${runId}\n${seq}\n${hash}`);
