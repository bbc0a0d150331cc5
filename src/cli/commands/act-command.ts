import type { PersonCommand } from '../../core/run/run-commands.js';
import type { WatchCommand } from '../../core/go-live/watch-commands.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { describeEvent } from '../format-event.js';
import type { StoreOptions } from '../run-context.js';
import { cliOrigin, openSession, personOf } from '../run-context.js';

/**
 * Any human action (complete, vote, skip, pause, rollback, …, and the go-live watch's declare, decide and
 * success), through the run session: checked against
 * the plan roles and the run's state, decided again if someone appended first, so of two people completing
 * the same task one wins and the other is told who did.
 */
export async function actCommand(
  options: StoreOptions & { as?: string },
  io: CliIo,
  command: PersonCommand | WatchCommand | ((now: number) => PersonCommand),
): Promise<number> {
  const person = personOf(options.as, io);
  const { store, session } = await openSession(options, io);
  try {
    const appended =
      typeof command !== 'function' &&
      (command.kind === 'declare' || command.kind === 'decide' || command.kind === 'success')
        ? await session.actOnWatch(person, cliOrigin(), command)
        : await session.act(person, cliOrigin(), command);
    for (const e of appended) {
      io.stdout.write(`${describeEvent(e)}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
