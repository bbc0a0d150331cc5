import type { JournalVerdict } from '../store/journal/journal-audit.js';
import type { RunStore } from '../store/store.js';

export type { JournalFinding, JournalStatus, JournalVerdict } from '../store/journal/journal-audit.js';

/**
 * Verifies the journal of every run in the store (or of `runIds`) against its key and witness: what was
 * changed, deleted, inserted, reordered or appended, and where (see `RunStore.verifyJournal`).
 */
export async function verifyJournals(store: RunStore, runIds?: readonly string[]): Promise<JournalVerdict[]> {
  const runs = (await store.listRuns()).filter((r) => runIds === undefined || runIds.includes(r.runId));
  const out: JournalVerdict[] = [];
  for (const run of runs) out.push(await store.verifyJournal(run.runId));
  return out;
}
