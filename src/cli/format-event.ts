import { formatDuration } from '../core/duration.js';
import { formatOffset } from '../core/offset.js';
import type { Origin, RunEvent } from '../core/run-event.js';
import type { Style } from './style.js';

/** What one event says, in words. */
export function describeEvent(e: RunEvent): string {
  const d = e.data;
  const by = e.actor === 'system' ? '' : ` by ${e.actor}`;
  switch (d.type) {
    case 'run.started':
      return `run started: ${d.planTitle} (${d.mode}${d.dryRun ? ', dry run' : ''}${d.speed !== 1 ? `, ×${d.speed}` : ''}${d.autoApprove ? ', auto-approve' : ''}) T-0 ${new Date(d.goLiveMs).toISOString()}`;
    case 'executor.started':
      return `executor attached (${d.holder})`;
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
    case 'step.interrupted':
      return d.rerun
        ? `${d.stepId}: was running at a crash; idempotent, running it again`
        : `${d.stepId}: was running at a crash; OUTCOME UNKNOWN — held (complete / fail / retry)`;
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
      return `ROLLBACK started${by}: ${d.reason}`;
    case 'run.ended':
      return `run ended: ${d.outcome.toUpperCase()}${d.reason ? ` — ${d.reason}` : ''}`;
  }
}

/** `#12 T-3h59m 2026-12-04T22:00:01Z  backup: started`. */
export function formatEvent(e: RunEvent, goLiveMs: number, style: Style): string {
  const text = describeEvent(e);
  const paint =
    e.data.type === 'run.ended' || e.data.type === 'rollback.started' || e.data.type === 'step.failed'
      ? style.warning
      : e.data.type === 'step.succeeded'
        ? style.ok
        : (s: string) => s;
  return `${style.dim(`#${e.seq} ${formatOffset(e.atMs - goLiveMs).padEnd(9)} ${new Date(e.atMs).toISOString().slice(0, 19)}Z`)}  ${paint(text)}`;
}

/** The event as one JSON line (`log --json`). */
export const eventJson = (e: RunEvent): Record<string, unknown> => ({
  seq: e.seq,
  at: new Date(e.atMs).toISOString(),
  actor: e.actor,
  ...(e.data.origin ? { origin: e.data.origin } : {}),
  ...e.data,
  ...(e.data.type === 'run.started' ? { planText: undefined } : {}),
  hash: e.hash,
});

/** `cli alice@bastion pid 4242` / `api token ops-1 from 10.0.0.7`. */
export const describeOrigin = (o: Origin): string =>
  o.via === 'cli'
    ? `cli ${o.osUser}@${o.host} pid ${o.pid}`
    : `api token ${o.tokenId} from ${o.clientAddress}`;
