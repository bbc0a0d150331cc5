import type { RunEvent } from '../../core/run/run-event.js';
import { verifyJournals } from '../../engine/verify-journal.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { describeOrigin, eventJson, formatEvent } from '../format-event.js';
import { journalWarning } from '../journal-verdict.js';
import type { StoreOptions } from '../run-context.js';
import { openSession } from '../run-context.js';
import { createStyle } from '../style.js';

/**
 * `tminus log [--follow] [--json] [--origin]`: the journal, one line per event; --follow until the run
 * ends; --origin adds where each person's command came from (always in --json). A journal that does not
 * verify (or cannot be verified here) is announced loudly on stderr first.
 */
export async function logCommand(
  options: StoreOptions & { json?: boolean; follow?: boolean; origin?: boolean },
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const { store, session } = await openSession(options, io, {}, 'read');
  const style = createStyle(io.stdout);
  let goLive = session.state.goLiveHistory[0] ?? 0;
  const print = (e: RunEvent) => {
    if (e.data.type === 'run.started' || e.data.type === 'run.rebaselined') goLive = e.data.goLiveMs;
    const origin = options.origin && e.data.origin ? `  [${describeOrigin(e.data.origin)}]` : '';
    io.stdout.write(
      (options.json ? JSON.stringify(eventJson(e)) : formatEvent(e, goLive, style) + origin) + '\n',
    );
  };
  try {
    for (const verdict of await verifyJournals(store, [session.runId])) {
      const warning = journalWarning(verdict, createStyle(io.stderr));
      if (warning) io.stderr.write(`${warning}\n`);
    }
    if (options.follow) {
      for await (const e of session.follow(signal ? { signal } : {})) print(e);
    } else {
      (await session.events()).forEach(print);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
