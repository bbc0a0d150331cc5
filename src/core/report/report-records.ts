import type { MeasurementOutcome, MonitorCounters, MonitorPhase } from '../go-live/monitor-analysis.js';
import type { Plan } from '../plan/plan.js';
import { rollbackBurn } from '../rollback/rollback-burn.js';
import type { RunEvent } from '../run/run-event.js';
import type { RunState } from '../run/run-state.js';
import { foldWatch, progressOf } from '../go-live/watch-state.js';

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

const DATA_ACTIONS = new Set(['data.compare', 'data.sync-wait', 'sql.assert']);

const numberOf = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length === 1) return numberOf(v[0]);
  return undefined;
};

/** The rollback: who, why, each step's time against its budget (`rollbackBurn`), follow-up tasks. */
export function rollbackRecord(
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

/** Every data comparison, sync fence and SQL assertion, with each compared table's figures. */
export function dataChecks(plan: Plan, state: RunState): ReportDataCheck[] {
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

/** Each monitor's verdict, counters and every measurement, from the journal. */
export function reportMonitors(plan: Plan, events: readonly RunEvent[]): ReportMonitor[] {
  const watch = foldWatch(plan, events);
  return plan.monitors.map((m): ReportMonitor => {
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
      condition: [m.failWhen && `fails when ${m.failWhen}`, m.successWhen && `succeeds when ${m.successWhen}`]
        .filter(Boolean)
        .join('; '),
      verdict: p.phase,
      counters: p.counters,
      measurements,
    };
  });
}

/** Each checklist item as the run last recorded it, with its evidence. */
export function reportReadiness(plan: Plan, state: RunState): ReportCheck[] {
  return plan.checklist.map((item): ReportCheck => {
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
  });
}
