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

/**
 * A checkpoint log of journal heads kept outside the store's directory (default
 * `<config>/tminus/witness/<store-id>.witness`, one JSON line per append, MACed with the journal key), so
 * that deleting the tail of a journal and fixing its head is still caught: the witness saw further.
 * Written after each committed append; a crash in between leaves the witness behind, never ahead.
 *
 * The file stays open (append mode) from the first line to `close`: a line is one `write`, not a directory
 * made and a file opened and closed on every append (that was most of what an append cost besides its
 * commit). A witness file removed or replaced meanwhile is noticed (no links left) and opened again.
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

  /** Records a head. Never throws: the append it follows is already committed (a failure is warned about). */
  record(runId: string, seq: number, hash: string, key: JournalKey): void {
    const line = {
      run: runId,
      seq,
      hash,
      key: key.id,
      mac: witnessMac(key, this.storeId, runId, seq, hash),
    };
    try {
      writeSync(this.#open(), `${JSON.stringify(line)}\n`);
    } catch (error) {
      this.close();
      process.emitWarning(
        `tminus: cannot write the journal witness ${this.path}: ${(error as Error).message}`,
      );
    }
  }

  /** The open witness file: opened (its directory made) on first use, and again if it was removed. */
  #open(): number {
    if (this.#fd !== undefined && fstatSync(this.#fd).nlink > 0) return this.#fd;
    this.close();
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.path, 'a', 0o600);
    return this.#fd;
  }

  /** Closes the witness file (the next line opens it again). */
  close(): void {
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
