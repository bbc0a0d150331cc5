import type { RunEvent } from '../../core/run-event.js';
import { realSleep } from '../../engine/system-clock.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { eventJson, formatEvent } from '../format-event.js';
import type { StoreOptions } from '../run-context.js';
import { openRun } from '../run-context.js';
import { createStyle } from '../style.js';

/** `tminus log [--follow] [--json]`: the journal, one line per event; --follow until the run ends. */
export async function logCommand(
  options: StoreOptions & { json?: boolean; follow?: boolean },
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const { store, runId, events, state } = await openRun(options, io, undefined, 'read');
  const style = createStyle(io.stdout);
  let goLive = state.goLiveHistory[0] ?? 0;
  const print = (e: RunEvent) => {
    if (e.data.type === 'run.rebaselined') goLive = e.data.goLiveMs;
    io.stdout.write((options.json ? JSON.stringify(eventJson(e)) : formatEvent(e, goLive, style)) + '\n');
  };
  try {
    events.forEach(print);
    let last = events.at(-1);
    let ended = state.status === 'ended';
    while (options.follow && !ended && !signal?.aborted) {
      await realSleep(200, signal).catch(() => undefined);
      const fresh = await store.readEvents(runId, last?.seq ?? 0);
      fresh.forEach(print);
      last = fresh.at(-1) ?? last;
      ended = fresh.some((e) => e.data.type === 'run.ended');
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
