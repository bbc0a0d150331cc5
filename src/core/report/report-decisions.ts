import type { Plan } from '../plan/plan.js';
import type { Origin, RunEvent, Vote } from '../run/run-event.js';
import type { RunState, StepState } from '../run/run-state.js';

export interface ReportVote {
  readonly by: string;
  readonly vote: Vote;
  readonly reason: string | undefined;
  readonly atMs: number;
  /** A vote that replaced the same person's earlier one. */
  readonly changed: boolean;
}

/** A decision: a gate's go/no-go, a fired criterion's rollback-or-continue, or the success of the go-live. */
export interface ReportDecision {
  readonly kind: 'gate' | 'criterion' | 'success' | 'rollback';
  readonly id: string;
  readonly title: string;
  readonly atMs: number;
  readonly outcome: string;
  /** votes, timeout, auto-approve; person, deadline, auto; monitors. */
  readonly basis: string;
  readonly by: string;
  readonly reason: string | undefined;
  /** What the decision rested on: the fired criterion's detail, the success evidence, the checklist. */
  readonly evidence: string | undefined;
  readonly votes: readonly ReportVote[];
}

/** A failure or hold and how it was settled. */
export interface ReportIncident {
  readonly kind: 'failed' | 'held' | 'interrupted' | 'marked-failed' | 'paused' | 'criterion';
  readonly id: string;
  readonly title: string;
  readonly atMs: number;
  readonly what: string;
  /** How it ended: retried and succeeded, skipped, completed by a person, abandoned, still open. */
  readonly settled: string;
  readonly settledAtMs: number | undefined;
}

export interface AuditEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  readonly origin: string | undefined;
  readonly type: string;
  readonly text: string;
  readonly hash: string;
}

const describeOrigin = (o: Origin): string =>
  o.via === 'cli'
    ? `cli ${o.osUser}@${o.host} pid ${o.pid}`
    : `api token ${o.tokenId} from ${o.clientAddress}`;

export const auditOrigin = (e: RunEvent): string | undefined =>
  e.data.origin === undefined ? undefined : describeOrigin(e.data.origin);

const compact = (v: unknown): string => JSON.stringify(v);

/** Gates with every vote, criterion decisions with what fired them, success and rollback calls. */
export function reportDecisions(plan: Plan, state: RunState, events: readonly RunEvent[]): ReportDecision[] {
  const title = (id: string) =>
    plan.tasks.find((t) => t.id === id)?.title ??
    plan.rollback.criteria.find((c) => c.id === id)?.title ??
    id;
  const votes = new Map<string, ReportVote[]>();
  const fired = new Map<string, string>();
  const out: ReportDecision[] = [];
  for (const e of events) {
    const d = e.data;
    switch (d.type) {
      case 'gate.voted': {
        const list = votes.get(d.gateId) ?? [];
        list.push({
          by: e.actor,
          vote: d.vote,
          reason: d.reason,
          atMs: e.atMs,
          changed: list.some((v) => v.by === e.actor),
        });
        votes.set(d.gateId, list);
        break;
      }
      case 'gate.decided': {
        const gate = plan.tasks.find((t) => t.id === d.gateId)?.gate;
        const requires = gate?.requires ?? [];
        out.push({
          kind: 'gate',
          id: d.gateId,
          title: title(d.gateId),
          atMs: e.atMs,
          outcome: d.outcome,
          basis: d.basis,
          by: e.actor,
          reason: d.note,
          evidence: requires.length
            ? `requires ${requires.join(', ')}; readiness at the time: ${checklistAt(plan, events, e.seq)}`
            : undefined,
          votes: votes.get(d.gateId) ?? [],
        });
        break;
      }
      case 'criterion.fired':
        if (!fired.has(d.criterionId)) fired.set(d.criterionId, d.detail);
        break;
      case 'criterion.declared':
        if (!fired.has(d.criterionId)) fired.set(d.criterionId, `declared by ${e.actor}: ${d.reason}`);
        break;
      case 'decision.made':
        out.push({
          kind: 'criterion',
          id: d.criterionId,
          title: title(d.criterionId),
          atMs: e.atMs,
          outcome: d.decision + (d.override ? ' (override after the point of no return)' : ''),
          basis: d.basis,
          by: e.actor,
          reason: d.reason,
          evidence: fired.get(d.criterionId),
          votes: [],
        });
        break;
      case 'success.declared':
        out.push({
          kind: 'success',
          id: 'success',
          title: 'Go-live success',
          atMs: e.atMs,
          outcome: 'success',
          basis: d.basis,
          by: e.actor,
          reason: d.reason,
          evidence: compact(d.evidence),
          votes: [],
        });
        break;
      case 'rollback.started':
        out.push({
          kind: 'rollback',
          id: d.criterionId ?? 'rollback',
          title: d.criterionId ? `Rollback on ${title(d.criterionId)}` : 'Rollback',
          atMs: e.atMs,
          outcome: 'rollback',
          basis: e.actor === 'system' ? 'automatic' : 'person',
          by: e.actor,
          reason: d.reason,
          evidence: d.criterionId ? fired.get(d.criterionId) : undefined,
          votes: [],
        });
        break;
      default:
        break;
    }
  }
  // Gates people voted on that never closed.
  for (const [gateId, list] of votes) {
    if (state.gates[gateId]?.outcome !== undefined) continue;
    out.push({
      kind: 'gate',
      id: gateId,
      title: title(gateId),
      atMs: list.at(-1)?.atMs ?? state.startedAtMs,
      outcome: 'undecided',
      basis: 'votes',
      by: '',
      reason: undefined,
      evidence: undefined,
      votes: list,
    });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** "3 of 4 items ok (open: backup-restorable)" as the checklist stood before event `seq`. */
function checklistAt(plan: Plan, events: readonly RunEvent[], seq: number): string {
  const ok = new Map<string, boolean>();
  for (const e of events) {
    if (e.seq >= seq) break;
    if (e.data.type === 'check.recorded') ok.set(e.data.itemId, e.data.ok);
    if (e.data.type === 'check.signed') ok.set(e.data.itemId, true);
  }
  const open = plan.checklist.filter((i) => ok.get(i.id) !== true).map((i) => i.id);
  const done = plan.checklist.length - open.length;
  return `${done} of ${plan.checklist.length} checklist items ok${open.length ? ` (open: ${open.join(', ')})` : ''}`;
}

function settlement(
  s: StepState | undefined,
  afterMs: number,
): { settled: string; atMs: number | undefined } {
  if (s === undefined) return { settled: 'open', atMs: undefined };
  const at = s.endedAtMs !== undefined && s.endedAtMs >= afterMs ? s.endedAtMs : undefined;
  switch (s.status) {
    case 'succeeded':
      if (s.completion === 'normal' && (s.by === 'system' || s.by === undefined)) {
        return { settled: `succeeded on attempt ${s.attempt}`, atMs: at };
      }
      return {
        settled: `${s.completion === 'auto' ? 'completed automatically' : `completed by ${s.by ?? 'someone'}`}${s.reason ? ` — ${s.reason}` : ''}`,
        atMs: at,
      };
    case 'skipped':
      return { settled: `skipped by ${s.by ?? 'someone'} — ${s.reason ?? ''}`, atMs: at };
    case 'abandoned':
      return { settled: 'abandoned (the run rolled back or ended around it)', atMs: at };
    default:
      return { settled: `still ${s.status}`, atMs: undefined };
  }
}

/** Every failure, hold, pause and fired criterion, each with how it was settled. */
export function reportIncidents(plan: Plan, state: RunState, events: readonly RunEvent[]): ReportIncident[] {
  const title = (id: string) =>
    plan.tasks.find((t) => t.id === id)?.title ?? plan.rollback.steps.find((s) => s.id === id)?.title ?? id;
  const out: ReportIncident[] = [];
  let pause: { atMs: number; by: string; reason: string | undefined } | undefined;
  for (const e of events) {
    const d = e.data;
    if (d.type === 'step.failed') {
      const held = d.retryAtMs === undefined;
      const end = settlement(state.steps[d.stepId], e.atMs);
      out.push({
        kind: held ? 'held' : 'failed',
        id: d.stepId,
        title: title(d.stepId),
        atMs: e.atMs,
        what: `attempt ${d.attempt} failed: ${d.error.code}: ${d.error.message}${held ? ' — held for its owner' : ' — retried automatically'}`,
        settled: end.settled,
        settledAtMs: end.atMs,
      });
    } else if (d.type === 'step.interrupted') {
      const end = settlement(state.steps[d.stepId], e.atMs);
      out.push({
        kind: 'interrupted',
        id: d.stepId,
        title: title(d.stepId),
        atMs: e.atMs,
        what: `${
          d.takenOver
            ? `taken over from worker ${d.takenOver.from}, whose step lease ran out`
            : 'was running when the executor stopped'
        }; ${d.rerun ? 'idempotent, run again' : 'outcome unknown, held'}`,
        settled: end.settled,
        settledAtMs: end.atMs,
      });
    } else if (d.type === 'step.marked-failed') {
      const end = settlement(state.steps[d.stepId], e.atMs);
      out.push({
        kind: 'marked-failed',
        id: d.stepId,
        title: title(d.stepId),
        atMs: e.atMs,
        what: `marked failed by ${e.actor}${d.reason ? ` — ${d.reason}` : ''}`,
        settled: end.settled,
        settledAtMs: end.atMs,
      });
    } else if (d.type === 'run.paused') {
      pause = { atMs: e.atMs, by: e.actor, reason: d.reason };
    } else if (d.type === 'run.unpaused' && pause) {
      out.push({
        kind: 'paused',
        id: 'run',
        title: 'Run paused',
        atMs: pause.atMs,
        what: `paused by ${pause.by}${pause.reason ? ` — ${pause.reason}` : ''}`,
        settled: `resumed by ${e.actor}${d.reason ? ` — ${d.reason}` : ''}`,
        settledAtMs: e.atMs,
      });
      pause = undefined;
    } else if (d.type === 'criterion.fired') {
      const decided = events.find(
        (x) =>
          x.seq > e.seq &&
          ((x.data.type === 'decision.made' && x.data.criterionId === d.criterionId) ||
            (x.data.type === 'rollback.started' && x.data.criterionId === d.criterionId)),
      );
      out.push({
        kind: 'criterion',
        id: d.criterionId,
        title: plan.rollback.criteria.find((c) => c.id === d.criterionId)?.title ?? d.criterionId,
        atMs: e.atMs,
        what: `rollback criterion fired: ${d.detail}`,
        settled:
          decided?.data.type === 'decision.made'
            ? `decided: ${decided.data.decision} (${decided.data.basis}) — ${decided.data.reason}`
            : decided
              ? 'rollback started'
              : 'no decision recorded',
        settledAtMs: decided?.atMs,
      });
    }
  }
  if (pause) {
    out.push({
      kind: 'paused',
      id: 'run',
      title: 'Run paused',
      atMs: pause.atMs,
      what: `paused by ${pause.by}${pause.reason ? ` — ${pause.reason}` : ''}`,
      settled: state.status === 'ended' ? 'the run ended while paused' : 'still paused',
      settledAtMs: state.endedAtMs,
    });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
