/** What a command needs from the process, injectable so tests run commands in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Wall-clock now, for `--go-live now+10m`. */
  readonly now: () => number;
}

export const processIo = (): CliIo => {
  exitQuietlyWhenOutputCloses();
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    now: () => Date.now(),
  };
};

let watchingOutput = false;

/**
 * `tminus log --json | head -c 100`: once the reader of stdout (or stderr) has gone, writing fails with
 * EPIPE; the command then ends quietly, as `cat` would, instead of crashing with a stack trace. A run's
 * executor ending this way loses nothing: every change is already in the store, and `tminus resume` goes on.
 */
function exitQuietlyWhenOutputCloses(): void {
  if (watchingOutput) return;
  watchingOutput = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw error;
    });
  }
}

/** Exit codes (SPEC §7): 0 ok, 1 the thing checked is not ok, 2 usage error. */
export const EXIT = { ok: 0, notOk: 1, usage: 2 } as const;
