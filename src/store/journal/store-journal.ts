import { join, resolve } from 'node:path';
import { TminusError } from '../../core/tminus-error.js';
import type { JournalRecords, JournalVerdict } from './journal-audit.js';
import { auditJournal } from './journal-audit.js';
import type { JournalKey, JournalKeyring } from './journal-key.js';
import { fileKeyring, isInside, memoryKeyring, tminusConfigDir } from './journal-key.js';
import { JournalWitness } from './journal-witness.js';

/** Where a store's journal key and witness are (both outside the store). */
export interface JournalOptions {
  readonly keyring: JournalKeyring;
  /** Directory of witness files; none for in-memory stores. */
  readonly witnessDir: string | undefined;
}

/**
 * The defaults: the key by `TMINUS_JOURNAL_KEY` or under `<config>/tminus/keys`, the witness under
 * `TMINUS_WITNESS_DIR` or `<config>/tminus/witness` (`<config>`: `$XDG_CONFIG_HOME`, else `~/.config`).
 * `storeDir` is the SQLite store's directory, which neither may be inside; undefined for PostgreSQL.
 */
export function journalOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  storeDir: string | undefined,
): JournalOptions {
  const witnessDir = env.TMINUS_WITNESS_DIR
    ? resolve(env.TMINUS_WITNESS_DIR)
    : join(tminusConfigDir(env), 'witness');
  if (storeDir !== undefined && isInside(witnessDir, storeDir)) {
    throw new TminusError(
      'JOURNAL_KEY_INVALID',
      `the journal witness ${witnessDir} is inside the store's directory`,
      {
        hint: 'the witness must be where the store’s writer cannot silently edit it (default: ~/.config/tminus/witness)',
      },
    );
  }
  return { keyring: fileKeyring(env, storeDir), witnessDir };
}

/** For `:memory:` stores and simulations: a key that lives in the process, no witness. */
export const inMemoryJournal = (): JournalOptions => ({ keyring: memoryKeyring(), witnessDir: undefined });

/** The keyed-journal side of a store, shared by the SQLite and PostgreSQL stores. */
export class StoreJournal {
  readonly witness: JournalWitness | undefined;
  readonly #keyring: JournalKeyring;
  readonly #keys = new Map<string, JournalKey>();

  constructor(options: JournalOptions, storeId: string) {
    this.#keyring = options.keyring;
    this.witness =
      options.witnessDir === undefined ? undefined : new JournalWitness(options.witnessDir, storeId);
  }

  #find(keyId: string): JournalKey | undefined {
    const cached = this.#keys.get(keyId);
    if (cached) return cached;
    const key = this.#keyring.find(keyId);
    if (key) this.#keys.set(keyId, key);
    return key;
  }

  /** The key to seal a run's next events with: undefined for a legacy run; throws if it is not here. */
  keyForRun(runId: string, keyId: string | null): JournalKey | undefined {
    if (keyId === null) return undefined;
    const key = this.#find(keyId);
    if (!key) {
      throw new TminusError(
        'JOURNAL_KEY_MISSING',
        `cannot write to run ${runId}: its journal key ${keyId} is not on this machine`,
        {
          hint: `copy it from the machine that created the store to ${this.#keyring.whereIs(keyId)}, or set TMINUS_JOURNAL_KEY=\${file:PATH}`,
        },
      );
    }
    return key;
  }

  /** The store's key for a new run; `created` when the store had none (the caller records its id). */
  keyForNewRun(storeKeyId: string | null): { key: JournalKey; created: boolean } {
    if (storeKeyId === null) {
      const key = this.#keyring.forNewStore();
      this.#keys.set(key.id, key);
      return { key, created: true };
    }
    const key = this.#find(storeKeyId);
    if (!key) {
      throw new TminusError(
        'JOURNAL_KEY_MISSING',
        `cannot start a run: this store's journal key ${storeKeyId} is not on this machine`,
        { hint: `copy it to ${this.#keyring.whereIs(storeKeyId)}, or set TMINUS_JOURNAL_KEY=\${file:PATH}` },
      );
    }
    return { key, created: false };
  }

  /** Checkpoints a committed head to the witness. */
  witnessHead(runId: string, seq: number, hash: string, key: JournalKey | undefined): void {
    if (key && this.witness) this.witness.record(runId, seq, hash, key);
  }

  /** Releases the witness file. */
  close(): void {
    this.witness?.close();
  }

  verify(records: JournalRecords): JournalVerdict {
    const key = records.keyId === null ? undefined : this.#find(records.keyId);
    const witness = key && this.witness ? this.witness.read(records.runId, key) : undefined;
    return auditJournal(
      records,
      key,
      witness,
      records.keyId === null ? '' : this.#keyring.whereIs(records.keyId),
    );
  }
}
