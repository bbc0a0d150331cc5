import type { Plan } from '../core/plan/plan.js';
import { membersOf, runControlRoles } from '../core/run/roles.js';
import type { RunState, StepState } from '../core/run/run-state.js';
import type { ForecastView, RunView, TaskView } from '../core/run/run-view.js';
import { stepOf } from '../core/run/run-state.js';
import { computeSchedule } from '../core/schedule/schedule.js';
import { eligibleVoters, requiredVotes, unmetRequirements } from '../engine/scheduler.js';
import { owed } from '../engine/who-owes-what.js';
import { conditionThresholds } from '../core/conditions/condition-thresholds.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { progressOf } from '../core/go-live/watch-state.js';

export type { RunView, TaskView };

function lateness(s: StepState, goLiveMs: number, plannedFinishMs: number, nowMs: number): number {
  if (s.status === 'skipped' || s.status === 'abandoned') return 0;
  const due = goLiveMs + plannedFinishMs;
  const at = s.status === 'succeeded' ? (s.endedAtMs ?? nowMs) : nowMs;
  return Math.max(0, at - due);
}

/** The war room's view of a run at `nowMs` (run clock). Pure. */
export function buildRunView(
  plan: Plan,
  state: RunState,
  clock: { nowMs: number; serverWallMs: number; ticking: boolean },
  executor: { pid: number; host: string } | undefined,
  watch: WatchState,
  forecast: ForecastView,
): RunView {
  const schedule = computeSchedule(plan);
  const planned = new Map(schedule.tasks.map((t) => [t.id, t]));
  const leads = [...new Set(runControlRoles(plan).flatMap((r) => membersOf(plan, r)))];
  const actorsOf = (owner: string | undefined) => (owner === undefined ? leads : [...membersOf(plan, owner)]);
  const tasks: TaskView[] = plan.tasks.map((t) => {
    const p = planned.get(t.id);
    const s = stepOf(state, t.id);
    const startMs = p?.startMs ?? 0;
    const finishMs = p?.finishMs ?? startMs;
    const g = state.gates[t.id];
    return {
      id: t.id,
      title: t.title,
      kind: t.kind,
      phase: t.phaseId,
      owner: t.owner ?? null,
      actors: t.kind === 'gate' ? eligibleVoters(plan, t) : actorsOf(t.owner),
      plannedStartMs: startMs,
      plannedFinishMs: finishMs,
      critical: p?.critical ?? false,
      slackMs: p?.slackMs ?? 0,
      state: s,
      lateMs: lateness(s, state.goLiveMs, finishMs, clock.nowMs),
      ...(t.gate
        ? {
            gate: {
              votes: g?.votes ?? [],
              required: requiredVotes(plan, t),
              quorum: String(t.gate.quorum),
              deadlineMs: t.gate.deadlineMs ?? null,
              onTimeout: t.gate.onTimeout,
              outcome: g?.outcome ?? null,
              blockedBy: unmetRequirements(plan, state, t.gate.requires),
            },
          }
        : {}),
    };
  });
  let offset = schedule.expectedEndMs;
  const rollbackSteps: TaskView[] = plan.rollback.steps.map((r) => {
    const s = stepOf(state, r.id);
    const start = offset;
    offset += r.budgetMs;
    return {
      id: r.id,
      title: r.title,
      kind: 'rollback',
      phase: 'rollback',
      owner: r.owner ?? null,
      actors: actorsOf(r.owner),
      plannedStartMs: start,
      plannedFinishMs: offset,
      critical: false,
      slackMs: 0,
      state: s,
      lateMs:
        s.firstStartedAtMs !== undefined
          ? Math.max(0, (s.endedAtMs ?? clock.nowMs) - s.firstStartedAtMs - r.budgetMs)
          : 0,
      budgetMs: r.budgetMs,
    };
  });
  return {
    run: {
      id: state.runId,
      title: state.planTitle,
      planName: state.planName,
      mode: state.mode,
      dryRun: state.dryRun,
      status: state.status,
      outcome: state.outcome ?? null,
      endReason: state.endReason ?? null,
      goLiveMs: state.goLiveMs,
      goLiveHistory: state.goLiveHistory,
      startedAtMs: state.startedAtMs,
      endedAtMs: state.endedAtMs ?? null,
      lastSeq: state.lastSeq,
      rollback: state.rollback ?? null,
      firedCriteria: state.firedCriteria,
    },
    clock: { ...clock, speed: state.clockAnchor.speed },
    executor: executor ?? null,
    roles: plan.roles,
    leads,
    schedule: {
      criticalPath: schedule.criticalPath,
      expectedEndMs: schedule.expectedEndMs,
      pointOfNoReturnMs: schedule.pointOfNoReturnMs ?? null,
      rollbackMs: schedule.rollbackMs,
      window: plan.window ?? null,
    },
    phases: plan.phases.map((p) => ({
      id: p.id,
      title: p.title,
      atMs: p.atMs,
      pulled: state.pulledPhases.includes(p.id),
      taskIds: p.taskIds,
    })),
    tasks,
    rollbackSteps,
    checklist: plan.checklist.map((c) => ({
      id: c.id,
      category: c.category,
      title: c.title,
      owner: c.owner,
      signers: membersOf(plan, c.owner),
      automated: c.check !== undefined,
      check: state.checks[c.id] ?? null,
    })),
    forecast,
    monitors: plan.monitors.map((m) => {
      const p = progressOf(watch, m.id);
      return {
        id: m.id,
        title: m.title,
        intervalMs: m.intervalMs,
        failWhen: m.failWhen ?? null,
        successWhen: m.successWhen ?? null,
        failThresholds: conditionThresholds(m.failWhen),
        successThresholds: conditionThresholds(m.successWhen),
        phase: p.phase,
        taken: p.taken,
        dryRun: m.dryRun,
      };
    }),
    watch: {
      criteria: plan.rollback.criteria.map((c) => {
        const fired = state.firedCriteria[c.id];
        const asked = watch.asked[c.id];
        const decided = watch.decisions[c.id];
        return {
          id: c.id,
          title: c.title,
          when: c.when,
          manual: c.when === 'manual',
          declared: watch.declared[c.id] ?? null,
          fired: fired ?? null,
          asked: asked ? { deadlineAtMs: asked.deadlineAtMs ?? null, default: asked.default } : null,
          decision: decided
            ? { decision: decided.decision, by: decided.by, reason: decided.reason, basis: decided.basis }
            : null,
        };
      }),
      success: watch.success
        ? {
            by: watch.success.by,
            atMs: watch.success.atMs,
            reason: watch.success.reason,
            basis: watch.success.basis,
          }
        : null,
    },
    owed: state.status === 'ended' ? [] : owed(plan, state),
  };
}
