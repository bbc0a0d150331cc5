import { formatDuration } from '../plan/duration.js';
import type { RunEvent } from './run-event.js';
import { describeWatchEvent } from '../go-live/describe-watch-event.js';
import { refusedWhat } from './run-state.js';

/** What one event says, in words. */
export function describeEvent(e: RunEvent): string {
  const d = e.data;
  const by = e.actor === 'system' ? '' : ` by ${e.actor}`;
  switch (d.type) {
    case 'run.started':
      return `run started: ${d.planTitle} (${d.mode}${d.dryRun ? ', dry run' : ''}${d.speed !== 1 ? `, ×${d.speed}` : ''}${d.autoApprove ? ', auto-approve' : ''}) T-0 ${new Date(d.goLiveMs).toISOString()}`;
    case 'executor.started':
      return `executor attached (${d.holder})`;
    case 'lease.taken-over':
      return `TAKEN OVER by ${d.holder} (epoch ${d.epoch}) from ${d.from} (epoch ${d.fromEpoch}), whose lease ran out at ${new Date(d.expiredAtMs).toISOString()}`;
    case 'append.rejected':
      return `REJECTED late write${d.refused.length === 1 ? '' : 's'} from ${d.holder} (${
        d.step
          ? `its claim of step ${d.step.stepId} attempt ${d.step.attempt}, epoch ${d.epoch}, was taken over`
          : `epoch ${d.epoch}; the lease is ${d.current ? `${d.current.holder}'s, epoch ${d.current.epoch}` : 'nobody’s'}`
      }): ${d.refused.map(refusedWhat).join(', ')} — not applied`;
    case 'clock.paced':
      return d.waitingFor === undefined
        ? `clock back to ×${d.speed}: nobody owes anything`
        : `clock at real time: waiting for ${d.waitingFor}`;
    case 'step.waiting':
      return `${d.stepId}: waiting for people`;
    case 'step.started':
      return `${d.stepId}: started${d.attempt > 1 ? ` (attempt ${d.attempt})` : ''}`;
    case 'step.succeeded': {
      const burn =
        typeof d.output?.budgetMs === 'number' && typeof d.output.usedMs === 'number'
          ? ` [budget ${formatDuration(d.output.usedMs)} of ${formatDuration(d.output.budgetMs)}]`
          : '';
      return `${d.stepId}: succeeded — ${d.summary}${burn}`;
    }
    case 'step.failed':
      return `${d.stepId}: failed (attempt ${d.attempt}) ${d.error.code}: ${d.error.message}${d.retryAtMs === undefined ? ' — HELD for its owner (retry / skip / rollback)' : ` — retry at ${new Date(d.retryAtMs).toISOString()}`}`;
    case 'step.interrupted': {
      const why = d.takenOver
        ? `TAKEN OVER by ${d.takenOver.by} from ${d.takenOver.from} (step claim epoch ${d.takenOver.fromEpoch}), whose step lease ran out at ${new Date(d.takenOver.expiredAtMs).toISOString()}`
        : 'was running at a crash';
      return d.rerun
        ? `${d.stepId}: ${why}; idempotent, running it again`
        : `${d.stepId}: ${why}; OUTCOME UNKNOWN — held (complete / fail / retry)`;
    }
    case 'step.completed':
      return `${d.stepId}: completed${by}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'step.marked-failed':
      return `${d.stepId}: marked failed${by}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'step.skipped':
      return `${d.stepId}: skipped${by} — ${d.reason}`;
    case 'step.retried':
      return `${d.stepId}: retry requested${by}`;
    case 'gate.voted':
      return `${d.gateId}: ${e.actor} votes ${d.vote}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'gate.decided':
      return `${d.gateId}: decided ${d.outcome.toUpperCase()} (${d.basis})${d.note ? ` — ${d.note}` : ''}`;
    case 'check.recorded':
      return `check ${d.itemId}: ${d.ok ? 'ok' : 'NOT OK'} — ${d.summary}`;
    case 'check.signed':
      return `check ${d.itemId}: signed off${by}`;
    case 'run.paused':
      return `run paused${by}${d.reason ? ` — ${d.reason}` : ''}`;
    case 'run.unpaused':
      return `run resumed${by}`;
    case 'run.rebaselined':
      return `T-0 moved${by}: ${new Date(d.previousGoLiveMs).toISOString()} → ${new Date(d.goLiveMs).toISOString()}`;
    case 'phase.pulled':
      return `phase ${d.phaseId} pulled forward${by}`;
    case 'criterion.fired':
      return `rollback criterion ${d.criterionId} fired: ${d.detail}`;
    case 'rollback.started':
      return `ROLLBACK started${by}${d.override ? ' (override after the point of no return)' : ''}: ${d.reason}`;
    case 'run.ended':
      return `run ended: ${d.outcome.toUpperCase()}${d.reason ? ` — ${d.reason}` : ''}`;
    default:
      return describeWatchEvent(d, e.actor);
  }
}
