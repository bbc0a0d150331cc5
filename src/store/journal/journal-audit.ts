import type { RunEventData } from '../../core/run/run-event.js';
import { GENESIS_HASH } from '../../core/run/run-event.js';
import type { JournalKey } from './journal-key.js';
import type { EventBody } from './journal-seal.js';
import { eventMac, keyedEventHash, legacyEventHash } from './journal-seal.js';
import type { WitnessReading } from './journal-witness.js';

/** An event row as stored, before any interpretation. */
export interface JournalRow {
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  readonly data: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly mac: string | null;
}

/** Everything the store holds that the journal's integrity depends on, for one run. */
export interface JournalRecords {
  readonly runId: string;
  /** The key the run's journal is sealed with; null for a legacy (unkeyed) journal. */
  readonly keyId: string | null;
  readonly head: { readonly seq: number; readonly hash: string } | undefined;
  /** Ordered by seq. */
  readonly rows: readonly JournalRow[];
  /** Append-only guards (triggers) that should exist and do not, or are disabled. */
  readonly missingGuards: readonly string[];
}

export type JournalFindingKind =
  | 'changed'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'appended'
  | 'rehashed'
  | 'link'
  | 'head'
  | 'witness'
  | 'guards';

/** One thing that is wrong, and where (`seq`: the first event concerned). */
export interface JournalFinding {
  readonly kind: JournalFindingKind;
  readonly seq?: number;
  readonly message: string;
}

/**
 * - `intact`: keyed chain, every event authentic, nothing missing up to what the witness saw;
 * - `legacy`: an unkeyed chain from before journal keys that verifies (a recomputed chain would too);
 * - `unverifiable`: keyed, but the key is not on this machine (a copied store): never "intact";
 * - `tampered`: at least one finding.
 */
export type JournalStatus = 'intact' | 'legacy' | 'unverifiable' | 'tampered';

export interface JournalVerdict {
  readonly runId: string;
  readonly status: JournalStatus;
  readonly events: number;
  readonly keyId: string | null;
  /** The furthest event the witness saw, when there is a witness. */
  readonly witnessedSeq?: number;
  readonly findings: readonly JournalFinding[];
  /** What limits the verdict (no witness here, legacy chain, key missing). */
  readonly notes: readonly string[];
}

const span = (a: number, b: number) => (a === b ? `event ${a}` : `events ${a}–${b}`);
/** How far from its place a moved event is looked for (each try is one HMAC). */
const SEARCH = 64;

interface Row extends JournalRow {
  readonly body: EventBody | undefined;
}

/**
 * Verifies one run's journal and says exactly what was changed, deleted, inserted, reordered or appended,
 * and where. Hand-written: no library verifies this chain format. A keyed journal carries two seals per
 * event — the chained HMAC and an HMAC of the content alone — so an edited event is told apart from the
 * events whose chain was merely recomputed around it, and a moved event is recognised by the position its
 * seal still fits.
 */
export function auditJournal(
  records: JournalRecords,
  key: JournalKey | undefined,
  witness: WitnessReading | undefined,
  keyWhere: string,
): JournalVerdict {
  const findings: JournalFinding[] = [];
  const notes: string[] = [];
  const rows: Row[] = records.rows.map((r) => ({ ...r, body: bodyOf(records.runId, r) }));
  const keyed = records.keyId !== null;
  const flagged = new Set<number>();
  const add = (f: JournalFinding, seqs: number[] = f.seq === undefined ? [] : [f.seq]) => {
    findings.push(f);
    for (const s of seqs) flagged.add(s);
  };

  for (const r of rows) {
    if (!r.body) {
      add({
        kind: 'changed',
        seq: r.seq,
        message: `${span(r.seq, r.seq)}: content is not valid JSON: it was changed after it was written`,
      });
    }
  }

  // Gaps in the numbering.
  let expected = 1;
  for (const r of rows) {
    if (r.seq > expected) {
      add({
        kind: 'deleted',
        seq: expected,
        message: `${span(expected, r.seq - 1)} deleted (missing from the journal)`,
      });
    }
    expected = r.seq + 1;
  }

  if (keyed && key) auditKeyed(rows, key, add, flagged);
  else if (!keyed) auditLegacy(rows, add, flagged);
  else auditLinks(rows, add, flagged);

  const last = rows.at(-1);
  const lastSeq = last?.seq ?? 0;
  const head = records.head;
  if (head) {
    if (head.seq > lastSeq) {
      add({
        kind: 'deleted',
        seq: lastSeq + 1,
        message: `${span(lastSeq + 1, head.seq)} deleted: the run's recorded head is event ${head.seq}, the journal ends at event ${lastSeq}`,
      });
    } else if (head.seq < lastSeq) {
      add({
        kind: 'appended',
        seq: head.seq + 1,
        message: `${span(head.seq + 1, lastSeq)} added after the run's recorded head (event ${head.seq})`,
      });
    } else if (last && head.hash !== last.hash) {
      add({ kind: 'head', seq: lastSeq, message: `the run's recorded head does not match event ${lastSeq}` });
    }
  }

  let witnessedSeq: number | undefined;
  if (keyed && key && witness) {
    const w = witness.head;
    if (!w) notes.push(`no witness of this run at ${witness.path}: a deleted tail could go unnoticed here`);
    else {
      witnessedSeq = w.seq;
      const at = rows.find((r) => r.seq === w.seq);
      if (w.seq > lastSeq) {
        add({
          kind: 'deleted',
          seq: lastSeq + 1,
          message: `${span(lastSeq + 1, w.seq)} deleted: the witness ${witness.path} saw the journal reach event ${w.seq}, it now ends at event ${lastSeq}`,
        });
      } else if (at && at.hash !== w.hash && !flagged.has(w.seq)) {
        add({
          kind: 'changed',
          seq: w.seq,
          message: `${span(w.seq, w.seq)} is not the one the witness ${witness.path} saw`,
        });
      }
    }
    if (witness.badLines.length > 0) {
      add({
        kind: 'witness',
        message: `the witness ${witness.path} was altered (line ${witness.badLines.join(', ')})`,
      });
    }
  } else if (keyed && key) notes.push('no witness here: a deleted tail could go unnoticed');

  if (records.missingGuards.length > 0) {
    add({
      kind: 'guards',
      message: `the append-only guards were removed or disabled: ${records.missingGuards.join(', ')}`,
    });
  }

  let status: JournalStatus;
  if (findings.length > 0) status = 'tampered';
  else if (keyed && !key) status = 'unverifiable';
  else if (!keyed) status = 'legacy';
  else status = 'intact';
  if (keyed && !key) {
    notes.unshift(
      `unverifiable: key missing — the journal is sealed with key ${records.keyId}, which is not on this machine (looked for ${keyWhere})`,
    );
  }
  if (!keyed) {
    notes.push(
      'legacy journal (written before journal keys): an unkeyed chain; an edit with the chain recomputed would not be detected',
    );
  }
  findings.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  return {
    runId: records.runId,
    status,
    events: rows.length,
    keyId: records.keyId,
    ...(witnessedSeq === undefined ? {} : { witnessedSeq }),
    findings,
    notes,
  };
}

function bodyOf(runId: string, r: JournalRow): EventBody | undefined {
  try {
    return { runId, seq: r.seq, atMs: r.atMs, actor: r.actor, data: JSON.parse(r.data) as RunEventData };
  } catch {
    return undefined;
  }
}

type Add = (f: JournalFinding, seqs?: number[]) => void;

function auditKeyed(rows: readonly Row[], key: JournalKey, add: Add, flagged: Set<number>): void {
  const sealedAt = (r: Row, seq: number) =>
    r.body !== undefined && r.mac === eventMac(key, { ...r.body, seq });
  // Where each event was written: its own place, another one (moved), or nowhere (not written by tminus).
  const origin = new Map<number, number | undefined>();
  for (const r of rows) {
    if (!r.body) continue;
    if (sealedAt(r, r.seq)) {
      origin.set(r.seq, r.seq);
      continue;
    }
    let found: number | undefined;
    for (let d = 1; d <= SEARCH && found === undefined; d++) {
      if (sealedAt(r, r.seq + d)) found = r.seq + d;
      else if (r.seq - d >= 1 && sealedAt(r, r.seq - d)) found = r.seq - d;
    }
    origin.set(r.seq, found);
  }
  const moved = rows.filter((r) => {
    const o = origin.get(r.seq);
    return o !== undefined && o !== r.seq;
  });
  // Reordered: moved events that only swapped places among themselves (a cycle of positions).
  const inCycle = new Set<number>();
  for (const r of moved) {
    let x = r.seq;
    for (let i = 0; i <= moved.length; i++) {
      const o = origin.get(x);
      if (o === undefined || o === x) break;
      if (o === r.seq) {
        inCycle.add(r.seq);
        break;
      }
      x = o;
    }
  }
  const cycle = moved.filter((r) => inCycle.has(r.seq));
  if (cycle.length > 0) {
    add(
      {
        kind: 'reordered',
        seq: cycle[0]!.seq,
        message: `events reordered: ${cycle.map((r) => `event ${r.seq} was written as event ${origin.get(r.seq)}`).join(', ')}`,
      },
      cycle.map((r) => r.seq),
    );
  }
  // Shifted: runs of events renumbered by the same amount (something inserted or deleted before them).
  const shifted = moved.filter((r) => !inCycle.has(r.seq));
  for (let i = 0; i < shifted.length;) {
    const first = shifted[i]!;
    const delta = origin.get(first.seq)! - first.seq;
    let j = i;
    while (
      j + 1 < shifted.length &&
      shifted[j + 1]!.seq === shifted[j]!.seq + 1 &&
      origin.get(shifted[j + 1]!.seq)! - shifted[j + 1]!.seq === delta
    ) {
      j++;
    }
    const lastRow = shifted[j]!;
    const seqs = shifted.slice(i, j + 1).map((r) => r.seq);
    if (delta > 0) {
      add(
        {
          kind: 'deleted',
          seq: first.seq,
          message: `${span(first.seq, first.seq + delta - 1)} deleted, and ${span(first.seq + delta, lastRow.seq + delta)} renumbered down by ${delta} to close the gap (now ${first.seq}–${lastRow.seq})`,
        },
        seqs,
      );
    } else {
      add(
        {
          kind: 'inserted',
          seq: first.seq,
          message: `${span(first.seq, lastRow.seq)} renumbered: each was written ${-delta} place${delta === -1 ? '' : 's'} earlier (something was inserted before them)`,
        },
        seqs,
      );
    }
    i = j + 1;
  }
  // Events whose seal fits no position: inserted, appended or changed.
  const lastAuthentic = Math.max(0, ...rows.filter((r) => origin.get(r.seq) !== undefined).map((r) => r.seq));
  for (const r of rows) {
    if (!r.body || origin.get(r.seq) !== undefined) continue;
    const next = origin.get(r.seq + 1);
    const unsealed = r.mac === null ? ' (its seal was removed)' : '';
    if (next === r.seq + 1) {
      // The next event is in its own place: this one replaced what was here.
      add({
        kind: 'changed',
        seq: r.seq,
        message: `event ${r.seq}: content changed after it was written${unsealed}`,
      });
    } else if (next !== undefined && next <= r.seq) {
      add({
        kind: 'inserted',
        seq: r.seq,
        message: `event ${r.seq} was not written by tminus: inserted${unsealed}`,
      });
    } else if (r.seq > lastAuthentic) {
      add({
        kind: 'appended',
        seq: r.seq,
        message: `event ${r.seq} was not written by tminus: appended after event ${lastAuthentic}${unsealed}`,
      });
    } else {
      add({
        kind: 'changed',
        seq: r.seq,
        message: `event ${r.seq}: content changed after it was written${unsealed}`,
      });
    }
  }
  // Events in their own place with authentic content: is the chain around them the one tminus wrote?
  let runStart: Row | undefined;
  let runEnd: Row | undefined;
  let unkeyed = false;
  const flush = () => {
    if (runStart && runEnd) {
      add(
        {
          kind: 'rehashed',
          seq: runStart.seq,
          message: `${span(runStart.seq, runEnd.seq)}: hash chain recomputed without the journal key${unkeyed ? ' (an unkeyed SHA-256 chain)' : ''}; their content is intact`,
        },
        Array.from({ length: runEnd.seq - runStart.seq + 1 }, (_, k) => runStart!.seq + k),
      );
    }
    runStart = runEnd = undefined;
    unkeyed = false;
  };
  let prev: Row | undefined;
  for (const r of rows) {
    const inPlace = r.body !== undefined && origin.get(r.seq) === r.seq;
    const chainOk = inPlace && keyedEventHash(key, r.prevHash, r.body!) === r.hash;
    if (inPlace && !chainOk) {
      runStart ??= r;
      runEnd = r;
      unkeyed ||= r.hash === legacyEventHash(r.prevHash, r.body!);
    } else flush();
    const expectedPrev = r.seq === 1 ? GENESIS_HASH : prev?.seq === r.seq - 1 ? prev.hash : undefined;
    if (
      chainOk &&
      expectedPrev !== undefined &&
      r.prevHash !== expectedPrev &&
      !flagged.has(r.seq) &&
      !flagged.has(r.seq - 1)
    ) {
      add({ kind: 'link', seq: r.seq, message: `event ${r.seq}: the link to event ${r.seq - 1} is broken` });
    }
    prev = r;
  }
  flush();
}

function auditLegacy(rows: readonly Row[], add: Add, flagged: Set<number>): void {
  let prev: Row | undefined;
  for (const r of rows) {
    if (r.body && legacyEventHash(r.prevHash, r.body) !== r.hash) {
      add({ kind: 'changed', seq: r.seq, message: `event ${r.seq}: content changed after it was written` });
    }
    const expectedPrev = r.seq === 1 ? GENESIS_HASH : prev?.seq === r.seq - 1 ? prev.hash : undefined;
    if (expectedPrev !== undefined && r.prevHash !== expectedPrev && !flagged.has(r.seq)) {
      add({ kind: 'link', seq: r.seq, message: `event ${r.seq}: the link to event ${r.seq - 1} is broken` });
    }
    prev = r;
  }
}

/** Without the key only the shape can be checked: numbering (done) and links. */
function auditLinks(rows: readonly Row[], add: Add, flagged: Set<number>): void {
  let prev: Row | undefined;
  for (const r of rows) {
    const expectedPrev = r.seq === 1 ? GENESIS_HASH : prev?.seq === r.seq - 1 ? prev.hash : undefined;
    if (expectedPrev !== undefined && r.prevHash !== expectedPrev && !flagged.has(r.seq)) {
      add({ kind: 'link', seq: r.seq, message: `event ${r.seq}: the link to event ${r.seq - 1} is broken` });
    }
    prev = r;
  }
}
