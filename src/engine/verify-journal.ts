import type { ChainProblem } from '../store/event-hash.js';
import { verifyChain } from '../store/event-hash.js';
import type { RunStore } from '../store/store.js';

export interface JournalVerdict {
  readonly runId: string;
  readonly events: number;
  readonly ok: boolean;
  readonly problems: readonly ChainProblem[];
}

/** Re-computes the hash chain of every run in the store (or of `runIds`) against its stored head. */
export async function verifyJournals(store: RunStore, runIds?: readonly string[]): Promise<JournalVerdict[]> {
  const runs = (await store.listRuns()).filter((r) => runIds === undefined || runIds.includes(r.runId));
  const out: JournalVerdict[] = [];
  for (const run of runs) {
    const events = await store.readEvents(run.runId);
    const problems = verifyChain(events, await store.head(run.runId));
    out.push({ runId: run.runId, events: events.length, ok: problems.length === 0, problems });
  }
  return out;
}
