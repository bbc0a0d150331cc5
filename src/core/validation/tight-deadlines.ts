import { formatDuration } from '../plan/duration.js';
import { formatOffset } from '../plan/offset.js';
import type { Plan } from '../plan/plan.js';
import type { Schedule } from '../schedule/schedule.js';

/** Less real time than this between a gate opening and its deadline is too little for people to vote. */
export const TIGHT_DEADLINE_MS = 60_000;

/**
 * Gates whose deadline falls within seconds of real time after they open, for a run starting at `startMs`
 * with T-0 at `goLiveMs`: a gate opens at its planned start, or at once when the run starts later. While a
 * vote is owed the rehearsal clock runs at real time, so the window between the two is what people get.
 * One message per gate.
 */
export function tightDeadlines(plan: Plan, schedule: Schedule, goLiveMs: number, startMs: number): string[] {
  const out: string[] = [];
  const startOffset = startMs - goLiveMs;
  for (const task of plan.tasks) {
    const gate = task.gate;
    const deadline = gate?.deadlineMs;
    if (gate === undefined || deadline === undefined) continue;
    const planned = schedule.tasks.find((t) => t.id === task.id)?.startMs ?? startOffset;
    const opens = Math.max(planned, startOffset);
    const window = deadline - opens;
    if (window >= TIGHT_DEADLINE_MS) continue;
    const decided = `it is decided by its timeout (${gate.onTimeout})`;
    out.push(
      window <= 0
        ? `gate '${task.id}': its deadline ${formatOffset(deadline)} has passed when it opens (about ${formatOffset(opens)}); ${decided} at once`
        : `gate '${task.id}': its deadline ${formatOffset(deadline)} falls ${formatDuration(window)} of real time after it opens (about ${formatOffset(opens)}); then ${decided}`,
    );
  }
  return out;
}
