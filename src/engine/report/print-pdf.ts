import { existsSync } from 'node:fs';
import type * as Playwright from 'playwright-core';
import { TminusError } from '../../core/tminus-error.js';

/** Where Debian's Chromium is; the same browser the tests drive. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const HINT = 'use --format html and print it from a browser, or install chromium (apt-get install chromium)';

/**
 * Prints the self-contained HTML report to PDF with the machine's Chromium through playwright-core (never a
 * downloaded browser). Every request the page would make is refused: the page needs none. A clear error,
 * not a crash, when Chromium or playwright-core is not installed.
 */
export async function printPdf(html: string, chromiumPath = DEFAULT_CHROMIUM): Promise<Uint8Array> {
  if (!existsSync(chromiumPath)) {
    throw new TminusError('USAGE', `a PDF needs Chromium, and there is none at '${chromiumPath}'`, {
      hint: HINT,
    });
  }
  let playwright: typeof Playwright;
  try {
    playwright = await import('playwright-core');
  } catch (cause) {
    throw new TminusError('USAGE', 'a PDF needs the playwright-core package, which is not installed', {
      cause,
      hint: `npm install playwright-core, or ${HINT}`,
    });
  }
  const browser = await playwright.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' },
    });
    return new Uint8Array(pdf);
  } finally {
    await browser.close();
  }
}
