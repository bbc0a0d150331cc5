import { readFile } from 'node:fs/promises';
import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigStore, KeyChange, StoredValue } from './config-store.js';
import type { FileFormat } from './file-format.js';
import { atomicReplace } from './atomic-replace.js';

export interface FileStoreHooks {
  /** Test seam: between the temp file's fsync and the rename. */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

/**
 * A configuration file (dotenv, JSON, YAML, Java properties). The compare-and-swap covers the whole file:
 * the bytes read by `read` must still be there when the new content replaces them, so any edit made in
 * between (by a person, a deploy tool) makes the write refuse instead of being lost.
 */
export class FileStore implements ConfigStore {
  readonly label: string;
  readonly textOnly: boolean;
  #snapshot: Buffer | undefined;

  constructor(
    private readonly path: string,
    private readonly format: FileFormat,
    private readonly hooks: FileStoreHooks = {},
  ) {
    this.label = `${format.name} ${path}`;
    this.textOnly = format.textOnly;
  }

  checkKey(key: string): string | undefined {
    return this.format.checkKey(key);
  }

  async #load(): Promise<Buffer> {
    try {
      return await readFile(this.path);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new TminusError(
        e.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'CONFIG_UNREACHABLE',
        e.code === 'ENOENT'
          ? `configuration file not found: ${this.path}`
          : `cannot read ${this.path}: ${e.code ?? e.message}`,
        {
          cause: error,
          retryable: false,
          hint:
            e.code === 'ENOENT'
              ? 'tminus edits existing files only: check the path (relative paths start at the working directory)'
              : undefined,
        },
      );
    }
  }

  async read(keys: readonly string[]): Promise<ReadonlyMap<string, StoredValue>> {
    const bytes = await this.#load();
    const doc = this.format.parse(bytes.toString('utf8'), this.path);
    this.#snapshot = bytes;
    const values = new Map<string, StoredValue>();
    for (const key of keys) {
      const value = doc.get(key);
      if (value !== undefined) values.set(key, { value });
    }
    return values;
  }

  async write(changes: readonly KeyChange[]): Promise<void> {
    const snapshot = this.#snapshot;
    if (!snapshot) throw new TminusError('INTERNAL', `${this.label}: write before read`);
    const doc = this.format.parse(snapshot.toString('utf8'), this.path);
    for (const c of changes) {
      if (c.to === undefined) doc.delete(c.key);
      else doc.set(c.key, c.to);
    }
    const text = doc.toString();
    // The result must read back as intended before it replaces anything.
    const check = this.format.parse(text, this.path);
    for (const c of changes) {
      const got = check.get(c.key);
      if (c.to === undefined ? got !== undefined : got === undefined || String(got) !== String(c.to)) {
        throw new TminusError('INTERNAL', `${this.label}: ${c.key} did not read back as written`);
      }
    }
    await atomicReplace(this.path, text, {
      expected: snapshot,
      ...(this.hooks.beforeRename ? { beforeRename: this.hooks.beforeRename } : {}),
    });
    this.#snapshot = Buffer.from(text);
  }
}
