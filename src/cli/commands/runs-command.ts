import { formatOffset } from '../../core/plan/offset.js';
import { displayStore, openStore } from '../../store/open-store.js';
import { listRunStates } from '../../engine/run-selection.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { findStorePath } from '../run-context.js';

/** `tminus runs [--json]`: every run in the store, newest first — id, plan, state, mode, T-0, outcome. */
export async function runsCommand(options: StoreOptions & { json?: boolean }, io: CliIo): Promise<number> {
  const storePath = findStorePath(options, io);
  const store = await openStore(storePath);
  try {
    const runs = await listRunStates(store);
    if (options.json) {
      const rows = runs.map((r) => ({ ...r, goLive: new Date(r.goLiveMs).toISOString() }));
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.stdout.write(`no runs in ${displayStore(storePath)}\n`);
      return EXIT.ok;
    }
    const now = io.now();
    for (const r of runs) {
      const state = r.status === 'ended' ? `ended: ${r.outcome ?? 'ended'}` : r.status;
      const t0 = `T-0 ${new Date(r.goLiveMs).toISOString()}${r.status === 'ended' ? '' : ` (now ${formatOffset(now - r.goLiveMs)})`}`;
      io.stdout.write(
        `${r.runId.padEnd(32)} ${r.planName.padEnd(16)} ${state.padEnd(18)} ${r.mode}${r.dryRun ? ' dry-run' : ''}  ${t0}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
