import { createHash } from 'node:crypto';
import type { PlanChanges, PlanFingerprint } from '../core/plan/plan-fingerprint.js';
import { planChanges, planFingerprint } from '../core/plan/plan-fingerprint.js';
import { parsePlanSource } from '../core/plan/plan-source.js';
import type { RunOutcome } from '../core/run/run-event.js';
import type { RunStore } from '../store/store.js';

/** A finished rehearsal that counts: not a dry run, ended completed or rolled back. */
export interface RehearsalRecord {
  readonly runId: string;
  readonly planHash: string;
  readonly outcome: RunOutcome;
  /** Run-clock time of its end. */
  readonly endedAtMs: number;
}

export interface RehearsalCheck {
  /** The hash of the plan about to run (sha256 of its fingerprint). */
  readonly planHash: string;
  /** The newest accepted rehearsal of exactly this plan. */
  readonly matched: RehearsalRecord | undefined;
  /** Without a match: the newest accepted rehearsal of a plan of the same name, and what changed since. */
  readonly latest: (RehearsalRecord & { readonly changes: PlanChanges }) | undefined;
}

const fingerprintOf = (planText: string): PlanFingerprint => planFingerprint(parsePlanSource(planText).value);

/** The content hash a run records: comments, layout, goLive and the description do not count. */
export const planHash = (planText: string): string =>
  createHash('sha256').update(fingerprintOf(planText).canonical).digest('hex');

/**
 * Looks in each store (the run's own, then any imported) for an accepted rehearsal of the plan: one with the
 * same content hash matches; otherwise the newest rehearsal of a plan with the same name says what changed.
 */
export async function checkRehearsal(
  stores: readonly RunStore[],
  planName: string,
  planText: string,
): Promise<RehearsalCheck> {
  const current = fingerprintOf(planText);
  const hash = createHash('sha256').update(current.canonical).digest('hex');
  let matched: RehearsalRecord | undefined;
  let latest: { record: RehearsalRecord; text: string } | undefined;
  for (const store of stores) {
    for (const run of await store.listRuns()) {
      if (run.planName !== planName || !run.ended) continue;
      const [first] = await store.readEvents(run.runId, 0, 1);
      const [last] = await store.readEvents(run.runId, run.lastSeq - 1, 1);
      const start = first?.data.type === 'run.started' ? first.data : undefined;
      const end = last?.data.type === 'run.ended' ? last.data : undefined;
      if (!start || !end || start.mode !== 'rehearsal' || start.dryRun) continue;
      if (end.outcome !== 'completed' && end.outcome !== 'rolled-back') continue;
      const runHash = start.planHash ?? planHash(start.planText);
      const record = { runId: run.runId, planHash: runHash, outcome: end.outcome, endedAtMs: last!.atMs };
      if (runHash === hash) {
        if (!matched || record.endedAtMs > matched.endedAtMs) matched = record;
      } else if (!latest || record.endedAtMs > latest.record.endedAtMs) {
        latest = { record, text: start.planText };
      }
    }
  }
  return {
    planHash: hash,
    matched,
    latest:
      matched || !latest
        ? undefined
        : { ...latest.record, changes: planChanges(fingerprintOf(latest.text), current) },
  };
}
