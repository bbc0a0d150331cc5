import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TminusError } from '../../core/tminus-error.js';
import type { NotifyMessage } from './notify-message.js';

/**
 * Appends the announcement to a file: one text line (`<time> [<mode>/<comms>] <plan> — <title>: <message>`)
 * or one JSON object per line. The parent directory is created if needed.
 */
export async function appendAnnouncement(
  path: string,
  m: NotifyMessage,
  format: 'text' | 'json',
): Promise<string> {
  const line =
    format === 'json'
      ? JSON.stringify({
          at: m.view.now,
          plan: m.view.run.planName,
          mode: m.view.run.mode,
          comms: m.view.run.comms,
          step: m.view.step.id,
          title: m.title,
          message: m.message,
        })
      : `${m.view.now} [${m.view.run.mode}/comms ${m.view.run.comms}] ${m.view.run.planName} — ${m.title}${m.message ? `: ${m.message.replace(/\r?\n/g, ' ⏎ ')}` : ''}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${line}\n`, 'utf8');
  } catch (error) {
    throw new TminusError(
      'NOTIFY_FAILED',
      `file channel: cannot append to '${path}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return `appended to ${path}`;
}
