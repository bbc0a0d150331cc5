import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
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
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      appendFileSync(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch (error) {
      process.emitWarning(
        `tminus: cannot write the journal witness ${this.path}: ${(error as Error).message}`,
      );
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
