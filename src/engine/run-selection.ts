import type { RunMode, RunOutcome } from '../core/run/run-event.js';
import { foldRun } from '../core/run/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { RunStore, RunSummary } from '../store/store.js';

/** Which run a command means: an id, or the newest run (of a plan, or unfinished). */
export interface RunRef {
  readonly runId?: string;
  /** Only runs of this plan (its `name`). */
  readonly planName?: string;
  /**
   * Mean an unfinished run (`tminus resume`): refused with `RUN_AMBIGUOUS` when several are unfinished;
   * the newest run when none is.
   */
  readonly unfinished?: boolean;
}

/** A run as `tminus runs` lists it. */
export interface RunListing {
  readonly runId: string;
  readonly planName: string;
  readonly status: 'running' | 'paused' | 'ended';
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly goLiveMs: number;
  readonly outcome: RunOutcome | null;
  readonly startedAtMs: number;
  readonly events: number;
}

const named = (runs: readonly RunSummary[]): string =>
  runs
    .slice(0, 8)
    .map((r) => `${r.runId} (${r.planName})`)
    .join(', ') + (runs.length > 8 ? `, … ${runs.length - 8} more` : '');

/** Picks the run a command means, or refuses saying which runs there are. */
export async function selectRun(store: RunStore, ref: RunRef, where: string): Promise<RunSummary> {
  const all = await store.listRuns();
  if (ref.runId !== undefined) {
    const found = all.find((r) => r.runId === ref.runId);
    if (found) return found;
    throw new TminusError('RUN_NOT_FOUND', `no run '${ref.runId}' in ${where}`, {
      hint: all.length ? `runs: ${named(all)} (tminus runs)` : undefined,
    });
  }
  const runs = ref.planName === undefined ? all : all.filter((r) => r.planName === ref.planName);
  if (runs.length === 0) {
    throw new TminusError(
      'RUN_NOT_FOUND',
      `no runs${ref.planName === undefined ? '' : ` of plan '${ref.planName}'`} in ${where}`,
      { hint: 'start one with `tminus run PLAN`' },
    );
  }
  if (ref.unfinished) {
    const open = runs.filter((r) => !r.ended);
    if (open.length > 1) {
      throw new TminusError(
        'RUN_AMBIGUOUS',
        `${open.length} unfinished runs in ${where}: ${named(open)}; say which with --run ID`,
        { hint: 'tminus runs lists them' },
      );
    }
    if (open[0]) return open[0];
  }
  return runs[0]!;
}

/** Every run of the store with its state, mode, T-0 and outcome, newest first. */
export async function listRunStates(store: RunStore): Promise<RunListing[]> {
  const out: RunListing[] = [];
  for (const r of await store.listRuns()) {
    const state = foldRun(await store.readEvents(r.runId));
    out.push({
      runId: r.runId,
      planName: r.planName,
      status: state.status,
      mode: state.mode,
      dryRun: state.dryRun,
      goLiveMs: state.goLiveMs,
      outcome: state.outcome ?? null,
      startedAtMs: state.startedAtMs,
      events: state.lastSeq,
    });
  }
  return out;
}
