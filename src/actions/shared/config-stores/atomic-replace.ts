import { randomBytes } from 'node:crypto';
import { chown, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TminusError } from '../../../core/tminus-error.js';

export interface ReplaceOptions {
  /** The bytes the file must still hold right before it is replaced (compare-and-swap). */
  readonly expected: Buffer;
  /** Test seam: runs after the temp file is written and synced, before the rename. */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

/**
 * Replaces a file's content atomically: a temp file in the same directory with the file's mode (and owner,
 * when running as root), written and fsynced, the file's bytes checked against `expected`, then rename over
 * the original and fsync of the directory. A crash at any point leaves either the old file or the new one,
 * whole. A symlink is followed: its target is replaced, the link stays.
 */
export async function atomicReplace(path: string, text: string, options: ReplaceOptions): Promise<void> {
  const target = await realpath(path);
  const info = await stat(target);
  const temp = join(dirname(target), `.${basename(target)}.tminus-${randomBytes(4).toString('hex')}.tmp`);
  const mode = info.mode & 0o7777;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text);
      await handle.chmod(mode); // the umask applied at creation
      if (process.getuid?.() === 0 && (info.uid !== 0 || info.gid !== 0)) {
        await chown(temp, info.uid, info.gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.(temp);
    const now = await readFile(target);
    if (!now.equals(options.expected)) {
      throw new TminusError(
        'CONFIG_CAS_MISMATCH',
        `${path} changed while tminus was editing it (someone else wrote to it): nothing was written`,
        { retryable: true, hint: 'the step can be retried: it reads the file again and re-checks `expect`' },
      );
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof TminusError) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new TminusError(
      'CONFIG_WRITE_FAILED',
      `cannot write ${path}: ${e.code ?? ''} ${e.message}`.trim(),
      {
        cause: error,
        retryable: e.code !== 'EACCES' && e.code !== 'EPERM' && e.code !== 'EROFS',
        hint: 'tminus writes a temp file next to it and renames it: the directory must be writable',
      },
    );
  }
  const dir = await open(dirname(target), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
