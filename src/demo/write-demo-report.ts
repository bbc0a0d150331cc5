import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSession } from '../engine/run-session.js';
import { formatEvent } from '../cli/format-event.js';
import { createStyle } from '../cli/style.js';

/**
 * The demo's last step: writes the run's review into `dir` and returns its path. For now it writes what
 * exists — the outcome and the whole journal, one line per event, as `tminus log` prints it — to
 * `report.md`; `tminus report` (issue #17 item 1) replaces this body when it lands. This is the one place the
 * demo makes its report.
 */
export async function writeDemoReport(session: RunSession, dir: string): Promise<string> {
  const state = await session.refresh();
  const events = await session.events();
  const plain = createStyle({ isTTY: false } as NodeJS.WriteStream);
  const goLive = state.goLiveHistory[0] ?? state.goLiveMs;
  const lines = [
    `# ${state.planTitle}`,
    '',
    `Run \`${state.runId}\` (${state.mode}) ended **${state.outcome ?? state.status}**${state.endReason ? `: ${state.endReason}` : ''}.`,
    '',
    '## Journal',
    '',
    '```text',
    ...events.map((e) => formatEvent(e, goLive, plain)),
    '```',
    '',
  ];
  const path = join(dir, 'report.md');
  await writeFile(path, lines.join('\n'));
  return path;
}
