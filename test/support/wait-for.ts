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
