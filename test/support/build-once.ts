import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A lock left behind by a process killed while it built is taken over after this long. */
const STALE_LOCK_MS = 15 * 60_000;

const pause = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Runs `build` when `fresh()` says its output is out of date, one process at a time: test files run in
 * several processes at once, and two of them building into dist/ together would each read the other's
 * half-written files. The first takes a lock (a directory: creating one is atomic); the others wait for it
 * to be released, not for the output to look fresh (a build half done already looks newer than the sources),
 * then look again and usually find nothing to do.
 *
 * @example buildOnce('dist', ROOT, () => isUpToDate(), () => execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json']));
 */
export function buildOnce(name: string, root: string, fresh: () => boolean, build: () => void): void {
  if (fresh()) return;
  const key = createHash('sha256').update(root).digest('hex').slice(0, 12);
  const lock = join(tmpdir(), `tminus-build-${key}-${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        const age = Date.now() - statSync(lock).mtimeMs;
        if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      pause(200);
    }
  }
  try {
    if (!fresh()) build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
