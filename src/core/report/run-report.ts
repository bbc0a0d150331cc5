import { describeEvent } from '../run/describe-event.js';
import { formatDuration } from '../plan/duration.js';
import type { DurationModelOptions } from '../schedule/duration-model.js';
import { DEFAULT_MODEL_OPTIONS, buildDurationModels } from '../schedule/duration-model.js';
import { runForecast } from '../schedule/forecast.js';
import type { ObservedDuration } from '../schedule/observed-durations.js';
import type { Plan } from '../plan/plan.js';
import type { AuditEntry, ReportDecision, ReportIncident } from './report-decisions.js';
import { auditOrigin, reportDecisions, reportIncidents } from './report-decisions.js';
import type { Impact, Milestone } from './report-milestones.js';
import { reportImpact, reportMilestones } from './report-milestones.js';
import type { ReportTimeline } from './report-timeline.js';
import { reportTimeline } from './report-timeline.js';
import type { RunEvent, RunMode, RunOutcome } from '../run/run-event.js';
import type { RunState } from '../run/run-state.js';
import { foldRun } from '../run/run-state.js';
import { compileGraph } from '../schedule/schedule-graph.js';
import { computeSchedule } from '../schedule/schedule.js';
import { foldWatch } from '../go-live/watch-state.js';
import type { EarlierRun, ReportHistory } from './report-history.js';
import { historyOf } from './report-history.js';
import type { ReportCheck, ReportDataCheck, ReportMonitor, ReportRollback } from './report-records.js';
import { dataChecks, reportMonitors, reportReadiness, rollbackRecord } from './report-records.js';

export type { AuditEntry, ReportDecision, ReportIncident } from './report-decisions.js';
export type { Impact, Milestone } from './report-milestones.js';
export type { ReportPhase, ReportTask, ReportTimeline } from './report-timeline.js';
export type { EarlierRun, ReportHistory } from './report-history.js';
export type {
  ReportCheck,
  ReportDataCheck,
  ReportDataTable,
  ReportMeasurement,
  ReportMonitor,
  ReportRollback,
  ReportRollbackStep,
} from './report-records.js';

/** The journal's verification, as `RunStore.verifyJournal` gives it (structurally). */
export interface AuditVerdict {
  readonly status: string;
  readonly events: number;
  readonly keyId: string | null;
  readonly witnessedSeq?: number;
  readonly findings: readonly { readonly message: string }[];
  readonly notes: readonly string[];
}

export interface RunReportInput {
  readonly plan: Plan;
  readonly events: readonly RunEvent[];
  /** The run's time now: the end of an ended run; used for what is still open. */
  readonly nowMs: number;
  readonly verdict?: AuditVerdict;
  /** Earlier runs of the plan and the task durations they saw (see `readPlanHistory`). */
  readonly history?: { readonly runs: readonly EarlierRun[]; readonly observed: readonly ObservedDuration[] };
  /** Monte Carlo samples for the forecast end (default 2,000). */
  readonly samples?: number;
  readonly modelOptions?: DurationModelOptions;
}

export interface ReportForecast {
  readonly plannedEndAtMs: number;
  readonly p50EndAtMs: number;
  readonly p90EndAtMs: number;
  readonly actualEndAtMs: number | undefined;
  readonly samples: number;
  /** Earlier runs the durations came from (those started before this one). */
  readonly basedOnRuns: number;
  readonly tasksFromHistory: number;
}

export interface RunReport {
  readonly run: {
    readonly runId: string;
    readonly planName: string;
    readonly planTitle: string;
    readonly mode: RunMode;
    readonly dryRun: boolean;
    readonly autoApprove: boolean;
    readonly speed: number;
    readonly status: RunState['status'];
    readonly outcome: RunOutcome | undefined;
    readonly endReason: string | undefined;
    readonly startedAtMs: number;
    readonly endedAtMs: number | undefined;
    readonly goLiveMs: number;
    readonly goLiveHistory: readonly number[];
    readonly windowStartAtMs: number | undefined;
    readonly windowEndAtMs: number | undefined;
    readonly pointOfNoReturnAtMs: number | undefined;
    readonly rehearsal: { readonly runId: string; readonly outcome: RunOutcome } | undefined;
    readonly events: number;
  };
  readonly summary: {
    readonly headline: string;
    readonly durationMs: number;
    readonly tasks: {
      readonly total: number;
      readonly succeeded: number;
      readonly skipped: number;
      readonly abandoned: number;
      readonly notDone: number;
    };
    readonly late: number;
    readonly failures: number;
    readonly decisions: number;
    readonly insideWindow: boolean | undefined;
  };
  readonly impact: Impact;
  readonly milestones: readonly Milestone[];
  readonly timeline: ReportTimeline;
  readonly forecast: ReportForecast;
  readonly decisions: readonly ReportDecision[];
  readonly incidents: readonly ReportIncident[];
  readonly rollback: ReportRollback | undefined;
  readonly data: readonly ReportDataCheck[];
  readonly monitors: readonly ReportMonitor[];
  readonly readiness: readonly ReportCheck[];
  readonly history: ReportHistory | undefined;
  readonly lessons: { readonly prompts: readonly string[]; readonly actionItems: readonly string[] };
  readonly audit: { readonly verdict: AuditVerdict | undefined; readonly entries: readonly AuditEntry[] };
}

/**
 * The post-migration review of one run, from its journal and plan alone (plus the journal's verification
 * and earlier runs when the caller has them): outcome, downtime, milestones, planned vs actual vs forecast,
 * decisions, failures, rollback, data checks, monitors, readiness, rehearsals, lessons and the audit trail.
 * Pure: the renderers (Markdown, HTML) only lay it out.
 *
 * @example const report = buildRunReport({ plan, events, nowMs: state.endedAtMs ?? now });
 */
export function buildRunReport(input: RunReportInput): RunReport {
  const { plan, events } = input;
  const state = foldRun(events);
  const t0 = state.goLiveMs;
  const graph = compileGraph(plan);
  const planned = computeSchedule(plan, graph);
  const earlier = (input.history?.runs ?? []).filter(
    (r) => r.runId !== state.runId && r.startedAtMs < state.startedAtMs,
  );
  const earlierIds = new Set(earlier.map((r) => r.runId));
  const learned = (input.history?.observed ?? []).filter((o) => earlierIds.has(o.runId));
  const models = buildDurationModels(plan, learned, input.modelOptions ?? DEFAULT_MODEL_OPTIONS);
  const timeline = reportTimeline(plan, state, graph, planned, models);
  const mc = runForecast(plan, models, { samples: input.samples ?? 2000, seed: 1, graph });
  const milestones = reportMilestones(plan, state, events);
  const impact = reportImpact(milestones, state);
  const decisions = reportDecisions(plan, state, events);
  const incidents = reportIncidents(plan, state, events);
  const watch = foldWatch(plan, events);
  const endAt = state.endedAtMs ?? input.nowMs;

  const counts = { total: timeline.tasks.length, succeeded: 0, skipped: 0, abandoned: 0, notDone: 0 };
  for (const t of timeline.tasks) {
    if (t.status === 'succeeded') counts.succeeded++;
    else if (t.status === 'skipped') counts.skipped++;
    else if (t.status === 'abandoned') counts.abandoned++;
    else counts.notDone++;
  }
  const windowEndAtMs = plan.window === undefined ? undefined : t0 + plan.window.endMs;
  const insideWindow =
    windowEndAtMs === undefined || state.endedAtMs === undefined
      ? undefined
      : state.endedAtMs <= windowEndAtMs;

  const rollback = rollbackRecord(plan, state, watch.overBudget, watch.followUp ?? [], endAt);
  const failures = incidents.filter((i) => i.kind !== 'paused' && i.kind !== 'criterion').length;

  return {
    run: {
      runId: state.runId,
      planName: state.planName,
      planTitle: state.planTitle,
      mode: state.mode,
      dryRun: state.dryRun,
      autoApprove: state.autoApprove,
      speed: state.speed,
      status: state.status,
      outcome: state.outcome,
      endReason: state.endReason,
      startedAtMs: state.startedAtMs,
      endedAtMs: state.endedAtMs,
      goLiveMs: t0,
      goLiveHistory: state.goLiveHistory,
      windowStartAtMs: plan.window === undefined ? undefined : t0 + plan.window.startMs,
      windowEndAtMs,
      pointOfNoReturnAtMs:
        planned.pointOfNoReturnMs === undefined ? undefined : t0 + planned.pointOfNoReturnMs,
      rehearsal: state.rehearsal,
      events: events.length,
    },
    summary: {
      headline: headline(state, timeline, impact, failures, rollback),
      durationMs: endAt - state.startedAtMs,
      tasks: counts,
      late: timeline.late.length,
      failures,
      decisions: decisions.length,
      insideWindow,
    },
    impact,
    milestones,
    timeline,
    forecast: {
      plannedEndAtMs: t0 + mc.plannedEndMs,
      p50EndAtMs: t0 + mc.p50EndMs,
      p90EndAtMs: t0 + mc.p90EndMs,
      actualEndAtMs: timeline.criticalPath.actualEndAtMs,
      samples: mc.samples,
      basedOnRuns: new Set(learned.map((o) => o.runId)).size,
      tasksFromHistory: models.filter((m) => m.basis === 'history').length,
    },
    decisions,
    incidents,
    rollback,
    data: dataChecks(plan, state),
    monitors: reportMonitors(plan, events),
    readiness: reportReadiness(plan, state),
    history: historyOf(plan, events, input.history, state),
    lessons: {
      prompts: ['What went well', 'What went wrong', 'Where we got lucky'],
      actionItems: actionItems(timeline, incidents, rollback, impact),
    },
    audit: {
      verdict: input.verdict,
      entries: events.map((e) => ({
        seq: e.seq,
        atMs: e.atMs,
        actor: e.actor,
        origin: auditOrigin(e),
        type: e.data.type,
        text: describeEvent(e),
        hash: e.hash,
      })),
    },
  };
}

function headline(
  state: RunState,
  timeline: ReportTimeline,
  impact: Impact,
  failures: number,
  rollback: ReportRollback | undefined,
): string {
  const outcome =
    state.outcome === undefined
      ? `Still ${state.status}`
      : { completed: 'Completed', 'rolled-back': 'Rolled back', aborted: 'Aborted', 'no-go': 'No-go' }[
          state.outcome
        ];
  const parts = [`${outcome}${state.endReason ? ` (${state.endReason})` : ''}`];
  const v = timeline.criticalPath.varianceMs;
  if (v !== undefined) {
    parts.push(
      v === 0
        ? 'the planned tasks finished on time'
        : `the planned tasks finished ${formatDuration(Math.abs(v))} ${v > 0 ? 'later' : 'earlier'} than planned`,
    );
  }
  if (impact.downtimeMs !== undefined) parts.push(`downtime ${formatDuration(impact.downtimeMs)}`);
  parts.push(`${failures} failure${failures === 1 ? '' : 's'} or hold${failures === 1 ? '' : 's'}`);
  parts.push(`${timeline.late.length} late task${timeline.late.length === 1 ? '' : 's'}`);
  if (rollback) {
    parts.push(
      `rollback used ${formatDuration(rollback.usedMs)} of its ${formatDuration(rollback.budgetMs)} budget`,
    );
  }
  return parts.join('; ') + '.';
}

function actionItems(
  timeline: ReportTimeline,
  incidents: readonly ReportIncident[],
  rollback: ReportRollback | undefined,
  impact: Impact,
): string[] {
  const items: string[] = [];
  for (const t of timeline.late.slice(0, 3)) {
    items.push(
      `Re-estimate ${t.id} (planned ${formatDuration(t.plannedMs)}, took ${formatDuration(t.actualMs ?? 0)})`,
    );
  }
  const failed = [
    ...new Set(incidents.filter((i) => i.kind === 'held' || i.kind === 'failed').map((i) => i.id)),
  ];
  for (const id of failed.slice(0, 5)) items.push(`Find why ${id} failed and make it pass first time`);
  for (const id of rollback?.overBudget ?? []) {
    items.push(`Rollback step ${id} ran over its budget: re-budget or speed it up`);
  }
  if (impact.startAtMs === undefined) {
    items.push('Mark when users are affected (a traffic.maintenance step) so downtime is measured');
  }
  return items;
}
