import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/**
 * Debian's headless Chromium driven by playwright-core (never a downloaded browser), nothing talking to the
 * network on its own. playwright-core gives every launch a fresh temporary --user-data-dir itself (it
 * refuses one passed in `args`), and each `newContext()` is a separate, empty profile: one per person.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}
