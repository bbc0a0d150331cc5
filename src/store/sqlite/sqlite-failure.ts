import { dirname } from 'node:path';
import { TminusError } from '../../core/tminus-error.js';

/** What SQLite (better-sqlite3's SqliteError) or the file system said, by code. */
const codeOf = (cause: unknown): string => String((cause as { code?: unknown } | null)?.code ?? '');

const ELSEWHERE = 'keep the store elsewhere with --store PATH (or TMINUS_STORE)';

/**
 * Turns what SQLite or the file system threw about a store file into an error a person can act on, naming
 * the file; undefined when the cause is not about the file (a bug, then, and left to surface as one).
 */
export function sqliteFailure(path: string, cause: unknown): TminusError | undefined {
  if (cause instanceof TminusError) return cause;
  const code = codeOf(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new TminusError('STORE_UNUSABLE', `${path} is not a tminus store or is damaged (${detail})`, {
      cause,
      hint: `if it was truncated or overwritten, put back a copy from a backup; if it is some other file, ${ELSEWHERE}`,
    });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new TminusError('STORE_UNUSABLE', `cannot write the store ${path}: ${detail}`, {
      cause,
      hint:
        `acting on a run writes to it: use an account that may write ${path} and ${dirname(path)}, or ` +
        `${ELSEWHERE}; status, log and audit verify only read`,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new TminusError('STORE_UNUSABLE', `the disk holding the store ${path} is full`, {
      cause,
      hint: 'free some space; nothing was written',
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR')) {
    return new TminusError('STORE_UNUSABLE', `cannot open the store ${path}: ${detail}`, {
      cause,
      hint: `check that ${dirname(path)} exists and may be read and written, or ${ELSEWHERE}`,
    });
  }
  if (['EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'ENOSPC', 'EEXIST'].includes(code)) {
    return new TminusError('STORE_UNUSABLE', `cannot create the store ${path}: ${detail}`, {
      cause,
      hint: `run from a directory you may write, or ${ELSEWHERE}`,
    });
  }
  return undefined;
}

/** Calls `work`, translating what SQLite throws about the file (see `sqliteFailure`). */
export function aboutStore<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (cause) {
    throw sqliteFailure(path, cause) ?? cause;
  }
}
