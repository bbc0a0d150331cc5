import type { KeyObject } from 'node:crypto';
import { createHash, createHmac, createSecretKey } from 'node:crypto';
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

/**
 * The canonical text of an event's hashed body: byte for byte `canonicalJson(hashedBody(event))`, built
 * without the intermediate object and its key sort (the body's keys in sorted order are fixed: actor, atMs,
 * data, runId, seq). Anything but the shapes the stores write (string actor and run id, finite numbers)
 * goes through the general canonicaliser. `journal-seal.test.ts` compares both over every event type.
 */
export function eventBodyText(event: EventBody): string {
  const { actor, atMs, runId, seq } = event;
  if (
    typeof actor !== 'string' ||
    typeof runId !== 'string' ||
    typeof atMs !== 'number' ||
    typeof seq !== 'number' ||
    !Number.isFinite(atMs) ||
    !Number.isFinite(seq) ||
    event.data === undefined
  ) {
    return canonicalJson(hashedBody(event));
  }
  return `{"actor":${JSON.stringify(actor)},"atMs":${atMs},"data":${canonicalJson(event.data)},"runId":${JSON.stringify(runId)},"seq":${seq}}`;
}

/** The unkeyed sha256 chain of journals written before keys (and what a forger without the key computes). */
export function legacyEventHash(prevHash: string, event: EventBody): string {
  return createHash('sha256').update(prevHash).update(eventBodyText(event)).digest('hex');
}

/** The key's secret imported once (createHmac with a Buffer imports it again on every call). */
const keyObjects = new WeakMap<JournalKey, KeyObject>();
const keyObject = (key: JournalKey): KeyObject => {
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key.secret);
    keyObjects.set(key, k);
  }
  return k;
};

/** HMAC-SHA256 over one text (the parts joined: the same bytes as updating with each in turn). */
const hmac = (key: JournalKey, text: string): string =>
  createHmac('sha256', keyObject(key)).update(text).digest('hex');

/** The chain hash alone (for verification). */
export const keyedEventHash = (key: JournalKey, prevHash: string, event: EventBody): string =>
  hmac(key, `tminus chain\n${prevHash}${eventBodyText(event)}`);

/** The content seal alone (for verification). */
export const eventMac = (key: JournalKey, event: EventBody): string =>
  hmac(key, `tminus event\n${eventBodyText(event)}`);

/**
 * Seals an event about to be appended: keyed when the run has a key, the legacy chain otherwise. The
 * canonical text is made once for both the chain hash and the seal (the same bytes either alone would hash).
 */
export function sealEvent(key: JournalKey | undefined, prevHash: string, event: EventBody): EventSeal {
  if (!key) return { hash: legacyEventHash(prevHash, event), mac: null };
  const body = eventBodyText(event);
  return { hash: hmac(key, `tminus chain\n${prevHash}${body}`), mac: hmac(key, `tminus event\n${body}`) };
}

/** The MAC of a witness line: binds a store, a run and a head together under the key. */
export const witnessMac = (key: JournalKey, storeId: string, runId: string, seq: number, hash: string) =>
  hmac(key, `tminus witness\n${storeId}\n${runId}\n${seq}\n${hash}`);
