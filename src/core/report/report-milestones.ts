import type { Plan, Task } from '../plan/plan.js';
import type { RunEvent } from '../run/run-event.js';
import type { RunState } from '../run/run-state.js';

export type MilestoneKind =
  | 'run-started'
  | 'go-no-go'
  | 'maintenance-on'
  | 'final-sync'
  | 'traffic-switched'
  | 'maintenance-off'
  | 'go-live'
  | 'ponr-passed'
  | 'success'
  | 'rollback-started'
  | 'run-ended';

/** One moment the business asks about, with the event or task it comes from. Times are epoch ms. */
export interface Milestone {
  readonly kind: MilestoneKind;
  readonly atMs: number;
  readonly label: string;
  readonly detail: string;
  readonly taskId?: string;
}

/** Users' impact: from the maintenance page going up to traffic reaching the new side (or coming back). */
export interface Impact {
  readonly startAtMs: number | undefined;
  readonly endAtMs: number | undefined;
  readonly downtimeMs: number | undefined;
  readonly startedBy: string | undefined;
  readonly endedBy: string | undefined;
  /** How the figures were found, in words (or why there are none). */
  readonly basis: string;
}

const ENDED = new Set(['step.succeeded', 'step.completed']);

/** Which milestone a step's success marks, from its action (and for maintenance, its mode). */
function milestoneOf(task: { readonly call: Task['call'] }): MilestoneKind | undefined {
  const call = task.call;
  if (call === undefined) return undefined;
  switch (call.action) {
    case 'traffic.maintenance':
      return call.with.mode === 'off' ? 'maintenance-off' : 'maintenance-on';
    case 'data.sync-wait':
      return 'final-sync';
    case 'traffic.shift':
    case 'dns.update':
      return 'traffic-switched';
    default:
      return undefined;
  }
}

const LABEL: Record<MilestoneKind, string> = {
  'run-started': 'Run started',
  'go-no-go': 'Go / no-go decided',
  'maintenance-on': 'Maintenance on',
  'final-sync': 'Final sync fenced',
  'traffic-switched': 'Traffic switched',
  'maintenance-off': 'Maintenance off',
  'go-live': 'Go-live (T-0)',
  'ponr-passed': 'Point of no return passed',
  success: 'Success declared',
  'rollback-started': 'Rollback started',
  'run-ended': 'Run ended',
};

/**
 * The milestones of a run, in time order: go/no-go decisions, maintenance on and off, the final sync's
 * fence, the traffic switch (found from the steps' actions), T-0, the point of no return, success or
 * rollback, and the end. Rollback steps count as well: a switch back is a traffic switch.
 */
export function reportMilestones(plan: Plan, state: RunState, events: readonly RunEvent[]): Milestone[] {
  const steps = new Map<string, { title: string; call: Task['call']; rollback: boolean }>();
  for (const t of plan.tasks) steps.set(t.id, { title: t.title, call: t.call, rollback: false });
  for (const s of plan.rollback.steps) steps.set(s.id, { title: s.title, call: s.call, rollback: true });
  const out: Milestone[] = [];
  const add = (m: Milestone) => out.push(m);
  if (state.lastAtMs >= state.goLiveMs && state.outcome !== 'no-go') {
    const moved = state.goLiveHistory.length - 1;
    add({
      kind: 'go-live',
      atMs: state.goLiveMs,
      label: LABEL['go-live'],
      detail: moved > 0 ? `T-0 was moved ${moved} time(s)` : 'as planned',
    });
  }
  for (const e of events) {
    const d = e.data;
    if (d.type === 'run.started') {
      add({ kind: 'run-started', atMs: e.atMs, label: LABEL['run-started'], detail: `${d.mode} run` });
    } else if (d.type === 'gate.decided') {
      const title = plan.tasks.find((t) => t.id === d.gateId)?.title ?? d.gateId;
      add({
        kind: 'go-no-go',
        atMs: e.atMs,
        label: `${title}: ${d.outcome.toUpperCase()}`,
        detail: `${d.basis}${d.note ? ` — ${d.note}` : ''}`,
        taskId: d.gateId,
      });
    } else if (ENDED.has(d.type) && 'stepId' in d) {
      const step = steps.get(d.stepId);
      const kind = step && milestoneOf(step);
      if (step && kind) {
        add({
          kind,
          atMs: e.atMs,
          label: `${LABEL[kind]}${step.rollback ? ' (rollback)' : ''}`,
          detail: `${d.stepId}: ${step.title}`,
          taskId: d.stepId,
        });
      }
    } else if (d.type === 'ponr.passed') {
      add({
        kind: 'ponr-passed',
        atMs: e.atMs,
        label: LABEL['ponr-passed'],
        detail: 'a rollback now needs an override',
      });
    } else if (d.type === 'success.declared') {
      add({ kind: 'success', atMs: e.atMs, label: LABEL.success, detail: `${d.basis}: ${d.reason}` });
    } else if (d.type === 'rollback.started') {
      add({
        kind: 'rollback-started',
        atMs: e.atMs,
        label: LABEL['rollback-started'],
        detail: `by ${e.actor}: ${d.reason}`,
      });
    } else if (d.type === 'run.ended') {
      add({
        kind: 'run-ended',
        atMs: e.atMs,
        label: `Run ended: ${d.outcome}`,
        detail: d.reason ?? '',
      });
    }
  }
  // At the same moment: the start first, then T-0, then what happened at it, the end last.
  const rank = (m: Milestone) =>
    m.kind === 'run-started' ? 0 : m.kind === 'go-live' ? 1 : m.kind === 'run-ended' ? 3 : 2;
  return out.sort((a, b) => a.atMs - b.atMs || rank(a) - rank(b));
}

/**
 * Downtime: from the first "maintenance on" to the moment users are served again — the later of the traffic
 * switch and "maintenance off" after it (or their rollback counterparts, or the end of the run).
 */
export function reportImpact(milestones: readonly Milestone[], state: RunState): Impact {
  const on = milestones.find((m) => m.kind === 'maintenance-on');
  if (on === undefined) {
    return {
      startAtMs: undefined,
      endAtMs: undefined,
      downtimeMs: undefined,
      startedBy: undefined,
      endedBy: undefined,
      basis:
        'no step put the maintenance page up (no traffic.maintenance step with mode: on succeeded): no downtime was recorded',
    };
  }
  const after = milestones.filter((m) => m.atMs >= on.atMs);
  const lastOf = (kind: MilestoneKind) => after.filter((m) => m.kind === kind).at(-1);
  const ends = [lastOf('traffic-switched'), lastOf('maintenance-off')].filter((m) => m !== undefined);
  const end = ends.sort((a, b) => b.atMs - a.atMs)[0];
  if (end === undefined) {
    const endAt = state.endedAtMs;
    return {
      startAtMs: on.atMs,
      endAtMs: endAt,
      downtimeMs: endAt === undefined ? undefined : endAt - on.atMs,
      startedBy: on.taskId,
      endedBy: undefined,
      basis:
        endAt === undefined
          ? 'maintenance went on and nothing has ended it yet'
          : 'maintenance went on and no step took it off or switched traffic: counted to the end of the run',
    };
  }
  return {
    startAtMs: on.atMs,
    endAtMs: end.atMs,
    downtimeMs: end.atMs - on.atMs,
    startedBy: on.taskId,
    endedBy: end.taskId,
    basis: `from ${on.taskId ?? 'maintenance on'} to ${end.taskId ?? end.kind}`,
  };
}
