/**
 * How long `waitFor` waits by default: generous on purpose. On a loaded 2-core machine starting
 * `node bin/tminus.js` alone can take seconds; a test waits for the state it needs, however long the machine
 * takes to get there, and only a real hang runs into this.
 */
export const WAIT_MS = 120_000;

/** Polls until `check` returns true or the time is up (real time, for real processes). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what = 'condition',
  timeoutMs = WAIT_MS,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Waits until `check` returns true for as long as `progress` keeps changing: fails only after `stallMs`
 * without progress (a hang), however slow the machine is otherwise.
 */
export async function waitWhileProgressing(
  check: () => boolean | Promise<boolean>,
  progress: () => unknown,
  what = 'condition',
  stallMs = WAIT_MS,
): Promise<void> {
  let last = JSON.stringify(progress());
  let until = Date.now() + stallMs;
  while (Date.now() < until) {
    if (await check()) return;
    const now = JSON.stringify(progress());
    if (now !== last) {
      last = now;
      until = Date.now() + stallMs;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: no progress for ${stallMs} ms (at ${last})`);
}
