import { openStore } from '../../store/open-store.js';
import { verifyJournals } from '../../engine/verify-journal.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { findStorePath } from '../run-context.js';
import { createStyle } from '../style.js';

/** `tminus audit verify [--run ID]`: re-computes the hash chain of every run (or one); exit 1 on tampering. */
export async function auditVerifyCommand(
  options: StoreOptions & { json?: boolean },
  io: CliIo,
): Promise<number> {
  const store = await openStore(findStorePath(options, io), 'read');
  const style = createStyle(io.stdout);
  try {
    const report = await verifyJournals(store, options.run === undefined ? undefined : [options.run]);
    if (options.run !== undefined && report.length === 0) {
      io.stderr.write(`no run '${options.run}' in this store\n`);
      return EXIT.usage;
    }
    if (options.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const r of report) {
        io.stdout.write(
          r.ok
            ? `${style.ok('ok')} ${r.runId}: ${r.events} events, hash chain intact\n`
            : `${style.error('TAMPERED')} ${r.runId}:\n${r.problems.map((p) => `  event ${p.seq}: ${p.message}`).join('\n')}\n`,
        );
      }
    }
    return report.every((r) => r.ok) ? EXIT.ok : EXIT.notOk;
  } finally {
    await store.close();
  }
}
