import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** PIDs of the direct children of `parent` (nginx workers of a master), from /proc. */
export async function childPids(parent: number): Promise<Set<number>> {
  const children = new Set<number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch((error: unknown) => {
      // Processes come and go while we scan: a vanished one is simply not a child any more.
      if (
        (error as NodeJS.ErrnoException).code === 'ENOENT' ||
        (error as NodeJS.ErrnoException).code === 'ESRCH'
      ) {
        return '';
      }
      throw error;
    });
    // Fields after the parenthesised command: state, ppid, ...
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent) children.add(Number(entry));
  }
  return children;
}

/**
 * The master's pid file: the `pidFile` parameter, else the `pid` directive of the main configuration named by
 * `-c` (relative to `-p`), else undefined.
 */
export async function findPidFile(
  args: readonly string[],
  pidFile: string | undefined,
): Promise<string | undefined> {
  if (pidFile !== undefined) return pidFile;
  const arg = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const prefix = arg('-p');
  const conf = arg('-c');
  if (conf === undefined) return undefined;
  const confPath = isAbsolute(conf) || prefix === undefined ? conf : join(prefix, conf);
  const text = await readFile(confPath, 'utf8').catch(() => '');
  const pid = /^\s*pid\s+([^;\s]+)\s*;/m.exec(text)?.[1];
  if (pid === undefined) return undefined;
  return isAbsolute(pid) || prefix === undefined ? pid : join(prefix, pid);
}

/** Reads the master pid, or undefined if the file is absent or not a number. */
export async function masterPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
