import { describeEvent } from './describe-event.js';
import { formatDuration } from './duration.js';
import type { DurationModelOptions } from './duration-model.js';
import { DEFAULT_MODEL_OPTIONS, buildDurationModels } from './duration-model.js';
import { runForecast } from './forecast.js';
import type { MeasurementOutcome, MonitorCounters, MonitorPhase } from './monitor-analysis.js';
import type { ObservedDuration } from './observed-durations.js';
import { observedDurations } from './observed-durations.js';
import type { Plan } from './plan.js';
import type { AuditEntry, ReportDecision, ReportIncident } from './report-decisions.js';
import { auditOrigin, reportDecisions, reportIncidents } from './report-decisions.js';
import type { Impact, Milestone } from './report-milestones.js';
import { reportImpact, reportMilestones } from './report-milestones.js';
import type { ReportTimeline } from './report-timeline.js';
import { reportTimeline } from './report-timeline.js';
import { rollbackBurn } from './rollback-burn.js';
import type { RunEvent, RunMode, RunOutcome } from './run-event.js';
import type { RunState } from './run-state.js';
import { foldRun } from './run-state.js';
import { compileGraph } from './schedule-graph.js';
import { computeSchedule } from './schedule.js';
import { foldWatch, progressOf } from './watch-state.js';

export type { AuditEntry, ReportDecision, ReportIncident } from './report-decisions.js';
export type { Impact, Milestone } from './report-milestones.js';
export type { ReportPhase, ReportTask, ReportTimeline } from './report-timeline.js';

/** An earlier run of the same plan, as the store holds it. */
export interface EarlierRun {
  readonly runId: string;
  readonly mode: RunMode;
  readonly dryRun: boolean;
  readonly outcome: RunOutcome | undefined;
  readonly startedAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly goLiveMs: number;
}

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

export interface ReportRollbackStep {
  readonly id: string;
  readonly title: string;
  readonly owner: string | undefined;
  readonly status: string;
  readonly budgetMs: number;
  readonly usedMs: number;
  readonly over: boolean;
  readonly summary: string | undefined;
}

export interface ReportRollback {
  readonly startedAtMs: number;
  readonly endedAtMs: number | undefined;
  readonly by: string;
  readonly reason: string;
  readonly criterionId: string | undefined;
  readonly steps: readonly ReportRollbackStep[];
  readonly budgetMs: number;
  readonly usedMs: number;
  readonly overBudget: readonly string[];
  readonly followUp: readonly {
    readonly id: string;
    readonly title: string;
    readonly owner?: string;
    readonly dueAtMs?: number;
  }[];
}

export interface ReportDataTable {
  readonly table: string;
  readonly status: string;
  readonly sourceRows: number | null;
  readonly targetRows: number | null;
  readonly missingInTarget: number;
  readonly missingInSource: number;
  readonly changed: number;
}

export interface ReportDataCheck {
  readonly id: string;
  readonly title: string;
  readonly action: string;
  readonly status: string;
  readonly atMs: number | undefined;
  readonly summary: string | undefined;
  readonly error: string | undefined;
  readonly tables: readonly ReportDataTable[];
}

export interface ReportMeasurement {
  readonly n: number;
  readonly atMs: number;
  readonly outcome: MeasurementOutcome;
  readonly raw: MeasurementOutcome;
  readonly value: number | undefined;
  readonly valueText: string | undefined;
  readonly reason: string;
}

export interface ReportMonitor {
  readonly id: string;
  readonly title: string;
  readonly condition: string;
  readonly verdict: MonitorPhase;
  readonly counters: MonitorCounters;
  readonly measurements: readonly ReportMeasurement[];
}

export interface ReportCheck {
  readonly id: string;
  readonly category: string;
  readonly title: string;
  readonly owner: string;
  readonly state: 'ok' | 'not ok' | 'signed' | 'open';
  readonly summary: string | undefined;
  readonly by: string | undefined;
  readonly atMs: number | undefined;
  readonly evidence: string | undefined;
}

export interface ReportHistory {
  readonly runs: readonly (EarlierRun & { readonly durationMs: number | undefined })[];
  /** Tasks this run and earlier runs both timed: this run's duration against their median. */
  readonly tasks: readonly {
    readonly id: string;
    readonly thisMs: number;
    readonly medianMs: number;
    readonly runs: number;
    readonly differenceMs: number;
  }[];
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

const DATA_ACTIONS = new Set(['data.compare', 'data.sync-wait', 'sql.assert']);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

const numberOf = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length === 1) return numberOf(v[0]);
  return undefined;
};

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
    monitors: plan.monitors.map((m): ReportMonitor => {
      const p = progressOf(watch, m.id);
      const measurements: ReportMeasurement[] = [];
      for (const e of events) {
        if (e.data.type !== 'monitor.measured' || e.data.monitorId !== m.id) continue;
        const v = e.data.value;
        measurements.push({
          n: e.data.n,
          atMs: e.atMs,
          outcome: e.data.outcome,
          raw: e.data.raw,
          value: numberOf(v),
          valueText: v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v),
          reason: e.data.reason,
        });
      }
      return {
        id: m.id,
        title: m.title,
        condition: [
          m.failWhen && `fails when ${m.failWhen}`,
          m.successWhen && `succeeds when ${m.successWhen}`,
        ]
          .filter(Boolean)
          .join('; '),
        verdict: p.phase,
        counters: p.counters,
        measurements,
      };
    }),
    readiness: plan.checklist.map((item): ReportCheck => {
      const c = state.checks[item.id];
      return {
        id: item.id,
        category: item.category,
        title: item.title,
        owner: item.owner,
        state: c === undefined ? 'open' : c.signed ? 'signed' : c.ok ? 'ok' : 'not ok',
        summary: c?.summary,
        by: c?.by,
        atMs: c?.atMs,
        evidence: c?.evidence === undefined ? undefined : JSON.stringify(c.evidence),
      };
    }),
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

function rollbackRecord(
  plan: Plan,
  state: RunState,
  overBudget: readonly string[],
  followUp: ReportRollback['followUp'],
  nowMs: number,
): ReportRollback | undefined {
  if (state.rollback === undefined) return undefined;
  const burn = rollbackBurn(plan, state, [], nowMs);
  return {
    startedAtMs: state.rollback.startedAtMs,
    endedAtMs: state.outcome === 'rolled-back' ? state.endedAtMs : undefined,
    by: state.rollback.by,
    reason: state.rollback.reason,
    criterionId: state.rollback.criterionId,
    steps: burn.steps.map((b) => {
      const spec = plan.rollback.steps.find((s) => s.id === b.id);
      const s = state.steps[b.id];
      return {
        id: b.id,
        title: spec?.title ?? b.id,
        owner: spec?.owner,
        status: s?.status ?? 'pending',
        budgetMs: b.budgetMs,
        usedMs: b.usedMs,
        over: b.over,
        summary: s?.summary ?? s?.error?.message,
      };
    }),
    budgetMs: burn.budgetMs,
    usedMs: burn.usedMs,
    overBudget,
    followUp,
  };
}

function dataChecks(plan: Plan, state: RunState): ReportDataCheck[] {
  const steps = [
    ...plan.tasks.map((t) => ({ id: t.id, title: t.title, call: t.call })),
    ...plan.rollback.steps.map((s) => ({ id: s.id, title: s.title, call: s.call })),
  ];
  return steps
    .filter((s) => s.call !== undefined && DATA_ACTIONS.has(s.call.action))
    .map((s) => {
      const st = state.steps[s.id];
      const tables = Array.isArray(st?.output?.tables) ? (st.output.tables as unknown[]) : [];
      return {
        id: s.id,
        title: s.title,
        action: s.call!.action,
        status: st?.status ?? 'pending',
        atMs: st?.endedAtMs,
        summary: st?.summary,
        error: st?.error === undefined ? undefined : `${st.error.code}: ${st.error.message}`,
        tables: tables.flatMap((t): ReportDataTable[] => {
          if (t === null || typeof t !== 'object') return [];
          const r = t as Record<string, unknown>;
          const c = (r.counts ?? {}) as Record<string, unknown>;
          const n = (v: unknown) => (typeof v === 'number' ? v : 0);
          return [
            {
              table: String(r.table),
              status: String(r.status),
              sourceRows: typeof r.sourceRows === 'number' ? r.sourceRows : null,
              targetRows: typeof r.targetRows === 'number' ? r.targetRows : null,
              missingInTarget: n(c.missingInTarget),
              missingInSource: n(c.missingInSource),
              changed: n(c.changed),
            },
          ];
        }),
      };
    });
}

function historyOf(
  plan: Plan,
  events: readonly RunEvent[],
  history: RunReportInput['history'],
  state: RunState,
): ReportHistory | undefined {
  const runs = (history?.runs ?? []).filter((r) => r.runId !== state.runId);
  if (runs.length === 0) return undefined;
  const mine = observedDurations(plan, events);
  const byTask = new Map<string, number[]>();
  for (const o of history?.observed ?? []) {
    if (o.runId === state.runId) continue;
    byTask.set(o.taskId, [...(byTask.get(o.taskId) ?? []), o.durationMs]);
  }
  const tasks = mine
    .filter((o) => byTask.has(o.taskId))
    .map((o) => {
      const seen = byTask.get(o.taskId)!;
      const m = median(seen);
      return {
        id: o.taskId,
        thisMs: o.durationMs,
        medianMs: m,
        runs: seen.length,
        differenceMs: o.durationMs - m,
      };
    })
    .sort((a, b) => Math.abs(b.differenceMs) - Math.abs(a.differenceMs));
  return {
    runs: runs.map((r) => ({
      ...r,
      durationMs: r.endedAtMs === undefined ? undefined : r.endedAtMs - r.startedAtMs,
    })),
    tasks,
  };
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
