import type { PersonCommand } from '../../core/run-commands.js';
import { decideCommand } from '../../core/run-commands.js';
import { foldRun } from '../../core/run-state.js';
import { TminusError } from '../../core/tminus-error.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { describeEvent } from '../format-event.js';
import type { StoreOptions } from '../run-context.js';
import { currentRunTime, openRun, personOf } from '../run-context.js';

/** Attempts before giving up when other people keep appending at the same moment. */
const MAX_CONFLICTS = 20;

/**
 * Any human action (complete, vote, skip, pause, rollback, …): checked against the plan roles and the run's
 * state, then appended only if nobody appended in between; on a race it re-reads and re-checks, so of two
 * people completing the same task one wins and the other is told who did.
 */
export async function actCommand(
  options: StoreOptions & { as?: string },
  io: CliIo,
  command: PersonCommand | ((now: number) => PersonCommand),
): Promise<number> {
  const person = personOf(options.as, io);
  const opened = await openRun(options, io);
  const { store, runId, plan } = opened;
  try {
    let events = opened.events;
    for (let i = 0; i < MAX_CONFLICTS; i++) {
      const state = foldRun(events);
      const now = await currentRunTime(store, state, io.now());
      const cmd = typeof command === 'function' ? command(now) : command;
      const data = decideCommand(plan, state, person, cmd, now);
      const r = await store.append(
        runId,
        state.lastSeq,
        data.map((d) => ({ atMs: now, actor: person, data: d })),
      );
      if (r.ok) {
        for (const e of r.events) io.stdout.write(`${describeEvent(e)}\n`);
        return EXIT.ok;
      }
      events = [...events, ...(await store.readEvents(runId, state.lastSeq))];
    }
    throw new TminusError('STORE_CONFLICT', 'the run keeps changing under this command; try again');
  } finally {
    await store.close();
  }
}
