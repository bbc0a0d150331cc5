import { formatDuration } from '../plan/duration.js';
import type { Actor } from '../run/run-event.js';
import type { WatchEventData } from './watch-event.js';

const show = (v: unknown): string =>
  typeof v === 'number' ? String(v) : (JSON.stringify(v, (_k, x: unknown) => x)?.slice(0, 80) ?? 'none');

/** What one go-live watch event says, in words. */
export function describeWatchEvent(d: WatchEventData, actor: Actor): string {
  const by = actor === 'system' ? '' : ` by ${actor}`;
  switch (d.type) {
    case 'monitor.measured': {
      const debounced = d.raw !== d.outcome ? ` (raw ${d.raw})` : '';
      const value = d.value === undefined ? '' : ` = ${show(d.value)}`;
      return `monitor ${d.monitorId} #${d.n}${value}: ${d.outcome}${debounced} — ${d.reason}`;
    }
    case 'criterion.declared':
      return `criterion ${d.criterionId} declared${by}: ${d.reason}`;
    case 'decision.asked':
      return `DECISION NEEDED on ${d.criterionId} (${d.severity})${d.deadlineAtMs === undefined ? '' : `: by ${new Date(d.deadlineAtMs).toISOString()}, then ${d.default}`}`;
    case 'decision.made':
      return `decision on ${d.criterionId}: ${d.decision.toUpperCase()}${by} (${d.basis}${d.override ? ', override after the point of no return' : ''}) — ${d.reason}`;
    case 'ponr.warned':
      return `point of no return in ${formatDuration(d.leadMs)} (${new Date(d.ponrAtMs).toISOString()})`;
    case 'ponr.passed':
      return 'POINT OF NO RETURN passed: a rollback now needs an explicit override';
    case 'rollback.over-budget':
      return `rollback step ${d.stepId} OVER BUDGET: ${formatDuration(d.usedMs)} of ${formatDuration(d.budgetMs)}`;
    case 'success.declared':
      return `go-live SUCCESS declared${by} (${d.basis}): ${d.reason}`;
    case 'watch.announced':
      return d.failed
        ? `announcing event #${d.forSeq} (${d.about}) FAILED: ${d.summary}`
        : `announced event #${d.forSeq} (${d.about}): ${d.summary}`;
    case 'followup.recorded':
      return `follow-up tasks recorded: ${d.tasks.map((t) => t.id).join(', ')}`;
  }
}
