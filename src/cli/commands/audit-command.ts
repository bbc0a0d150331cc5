import { openStore } from '../../store/open-store.js';
import { verifyJournals } from '../../engine/verify-journal.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { formatVerdict } from '../journal-verdict.js';
import type { StoreOptions } from '../run-context.js';
import { findStorePath } from '../run-context.js';
import { createStyle } from '../style.js';

/**
 * `tminus audit verify [--run ID]`: verifies every run's journal (or one) against its key and witness and
 * says what was changed, deleted, inserted, reordered or appended, and where. Exit 0 when every journal is
 * intact (or a legacy chain that verifies), 1 when one is tampered with or cannot be verified here.
 */
export async function auditVerifyCommand(
  options: StoreOptions & { json?: boolean },
  io: CliIo,
): Promise<number> {
  const store = await openStore(findStorePath(options, io));
  const style = createStyle(io.stdout);
  try {
    const report = await verifyJournals(store, options.run === undefined ? undefined : [options.run]);
    if (options.run !== undefined && report.length === 0) {
      io.stderr.write(`no run '${options.run}' in this store\n`);
      return EXIT.usage;
    }
    if (options.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else for (const v of report) io.stdout.write(formatVerdict(v, style) + '\n');
    return report.every((v) => v.status === 'intact' || v.status === 'legacy') ? EXIT.ok : EXIT.notOk;
  } finally {
    await store.close();
  }
}
