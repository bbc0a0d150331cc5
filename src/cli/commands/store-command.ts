import { displayStore } from '../../store/open-store.js';
import { migrateStore } from '../../store/migrate-store.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { findStorePath } from '../run-context.js';

/** `tminus store migrate`: applies the numbered migrations this build has and the store lacks. */
export async function storeMigrateCommand(
  options: { store?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const storePath = findStorePath(options, io);
  const r = await migrateStore(storePath);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ store: displayStore(storePath), ...r })}\n`);
    return EXIT.ok;
  }
  const applied = r.to - r.from;
  io.stdout.write(
    applied === 0
      ? `${displayStore(storePath)}: schema ${r.to}, up to date\n`
      : `${displayStore(storePath)}: schema ${r.from} → ${r.to} (applied migration${applied === 1 ? '' : 's'} ${Array.from({ length: applied }, (_, i) => r.from + i + 1).join(', ')})\n`,
  );
  return EXIT.ok;
}
