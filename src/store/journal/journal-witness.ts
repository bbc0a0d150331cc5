import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalKey } from './journal-key.js';
import { witnessMac } from './journal-seal.js';

/** The furthest head of a run the witness saw, and how many of its lines did not check out. */
export interface WitnessedHead {
  readonly seq: number;
  readonly hash: string;
}

export interface WitnessReading {
  readonly path: string;
  readonly head: WitnessedHead | undefined;
  /** Lines for this run whose MAC does not match (edited witness lines). */
  readonly badLines: readonly number[];
}

/** A head waiting to be written to the witness. */
interface PendingHead {
  readonly seq: number;
  readonly hash: string;
  readonly key: JournalKey;
}

/** Heads recorded since the last write after which the witness is written at once, not later. */
const MAX_PENDING = 64;
/**
 * How long after a first committed head the pending heads are written (one `write` for every head recorded
 * meanwhile): long enough that a chain of appends, one round trip each, does not pay a write inside each
 * round trip, where the process's CPU competes with the server's and lengthens it (docs/benchmarks.md,
 * PostgreSQL dispatch).
 */
const WRITE_AFTER_MS = 10;

/**
 * A checkpoint log of journal heads kept outside the store's directory (default
 * `<config>/tminus/witness/<store-id>.witness`, one JSON line per head, MACed with the journal key), so
 * that deleting the tail of a journal and fixing its head is still caught: the witness saw further.
 *
 * Written after the append it follows is committed, and off its path: a committed head is kept and written
 * `WRITE_AFTER_MS` later (a timer, so a chain of appends pays one write for many heads, not one in each
 * round trip's window), only the furthest head of each run, in one `write` to a file kept open (append
 * mode) until `close`. So the witness may lag the journal (by at most `MAX_PENDING` heads, or what a crash
 * within `WRITE_AFTER_MS` of the last write left unwritten), never lead it; reading it here, and
 * closing the store, write what is pending first. A witness file removed or replaced meanwhile is noticed
 * (no links left) and opened again.
 */
export class JournalWitness {
  readonly path: string;

  constructor(
    dir: string,
    readonly storeId: string,
  ) {
    this.path = join(dir, `${storeId}.witness`);
    this.#dir = dir;
  }

  readonly #dir: string;
  /** The witness file, open for appending since the first line this process wrote. */
  #fd: number | undefined;
  /** The furthest committed head of each run not written yet. */
  readonly #pending = new Map<string, PendingHead>();
  /** Heads recorded since the last write. */
  #recorded = 0;
  #scheduled = false;

  /** Records a committed head (written soon, see above). Never throws: the append is already committed. */
  record(runId: string, seq: number, hash: string, key: JournalKey): void {
    const known = this.#pending.get(runId);
    if (!known || seq > known.seq) this.#pending.set(runId, { seq, hash, key });
    if (++this.#recorded >= MAX_PENDING) {
      this.flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    awaitingFlush.add(this);
    // Unreferenced: it does not keep the process alive, whose exit writes what is pending (below).
    setTimeout(this.#flushLater, WRITE_AFTER_MS).unref();
  }

  readonly #flushLater = (): void => {
    if (this.#scheduled) this.flush();
  };

  /** Writes the pending heads now (a failure is warned about: the witness then lags). */
  flush(): void {
    this.#scheduled = false;
    awaitingFlush.delete(this);
    this.#recorded = 0;
    if (this.#pending.size === 0) return;
    try {
      let text = '';
      for (const [run, { seq, hash, key }] of this.#pending) {
        const line = { run, seq, hash, key: key.id, mac: witnessMac(key, this.storeId, run, seq, hash) };
        text += `${JSON.stringify(line)}\n`;
      }
      this.#pending.clear();
      const bytes = Buffer.from(text);
      const fd = this.#open();
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    } catch (error) {
      this.#pending.clear();
      this.#release();
      process.emitWarning(
        `tminus: cannot write the journal witness ${this.path}: ${(error as Error).message}`,
      );
    }
  }

  /** The open witness file: opened (its directory made) on first use, and again if it was removed. */
  #open(): number {
    if (this.#fd !== undefined && fstatSync(this.#fd).nlink > 0) return this.#fd;
    this.#release();
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.path, 'a', 0o600);
    return this.#fd;
  }

  /** Writes what is pending and closes the witness file (a later head opens it again). */
  close(): void {
    this.flush();
    this.#release();
  }

  #release(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing to release
    }
  }

  /** The furthest head recorded for a run (lines that do not check out are counted, not trusted). */
  read(runId: string, key: JournalKey): WitnessReading {
    this.flush();
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return { path: this.path, head: undefined, badLines: [] };
    }
    let head: WitnessedHead | undefined;
    const badLines: number[] = [];
    text.split('\n').forEach((raw, i) => {
      if (!raw.includes(`"run":${JSON.stringify(runId)}`)) return;
      let line: { run?: unknown; seq?: unknown; hash?: unknown; mac?: unknown };
      try {
        line = JSON.parse(raw) as typeof line;
      } catch {
        badLines.push(i + 1);
        return;
      }
      if (line.run !== runId) return;
      if (
        typeof line.seq !== 'number' ||
        typeof line.hash !== 'string' ||
        line.mac !== witnessMac(key, this.storeId, runId, line.seq, line.hash)
      ) {
        badLines.push(i + 1);
        return;
      }
      if (!head || line.seq > head.seq) head = { seq: line.seq, hash: line.hash };
    });
    return { path: this.path, head, badLines };
  }
}

/**
 * Witnesses with heads not written yet: written on the way out when the process ends before their turn
 * (`process.exit`, e.g. on a closed pipe), as they were when each append wrote its line at once.
 */
const awaitingFlush = new Set<JournalWitness>();
process.on('exit', () => {
  for (const w of awaitingFlush) w.flush();
});
