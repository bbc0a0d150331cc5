import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { RunEvent } from '../core/run-event.js';
import { GENESIS_HASH, hashedBody } from '../core/run-event.js';

/** sha256 over the previous hash and the canonical JSON of the event body, hex. */
export function eventHash(prevHash: string, event: Omit<RunEvent, 'hash' | 'prevHash'>): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedBody(event)))
    .digest('hex');
}

/** One place where a journal does not verify. */
export interface ChainProblem {
  readonly seq: number;
  readonly message: string;
}

/**
 * Re-computes a run's hash chain. Detects an edited event (its hash no longer matches), a deleted or
 * reordered event (gap in numbering, or a broken link) and a deleted tail (the stored head is ahead).
 */
export function verifyChain(
  events: readonly RunEvent[],
  head?: { readonly seq: number; readonly hash: string },
): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of events) {
    if (e.seq !== expectedSeq) {
      problems.push({
        seq: e.seq,
        message: `event ${expectedSeq}${e.seq > expectedSeq + 1 ? `–${e.seq - 1}` : ''} missing`,
      });
    }
    if (e.prevHash !== prev) problems.push({ seq: e.seq, message: 'link to the previous event is broken' });
    if (eventHash(e.prevHash, e) !== e.hash) {
      problems.push({ seq: e.seq, message: 'content was changed after it was written' });
    }
    prev = e.hash;
    expectedSeq = e.seq + 1;
  }
  if (head && (head.seq !== expectedSeq - 1 || head.hash !== prev)) {
    problems.push({
      seq: head.seq,
      message: `the journal ends at event ${expectedSeq - 1} but its recorded head is event ${head.seq}: events were removed`,
    });
  }
  return problems;
}
