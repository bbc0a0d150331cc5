import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReport, writeReport } from '../engine/report/write-report.js';
import type { RunSession } from '../engine/run-session.js';

/**
 * The demo's last step: writes the run's post-migration review (what `tminus report` writes) into `dir`, as
 * Markdown and as one self-contained HTML file, and returns the HTML's path. The one place the demo makes
 * its report.
 */
export async function writeDemoReport(session: RunSession, dir: string): Promise<string> {
  await session.refresh();
  const md = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  const written = await writeReport(session, { format: 'md', out: md, overwrite: true });
  await writeFile(html, await renderReport(written.report, 'html'));
  return html;
}
