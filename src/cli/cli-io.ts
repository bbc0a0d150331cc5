/** What a command needs from the process, injectable so tests run commands in-process. */
export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Wall-clock now, for `--go-live now+10m`. */
  readonly now: () => number;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  now: () => Date.now(),
});

/** Exit codes (SPEC §7): 0 ok, 1 the thing checked is not ok, 2 usage error. */
export const EXIT = { ok: 0, notOk: 1, usage: 2 } as const;
