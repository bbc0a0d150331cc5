import { formatDuration } from '../../core/plan/duration.js';
import { formatOffset } from '../../core/plan/offset.js';
import type { RunReport } from '../../core/report/run-report.js';
import { budgetSvg, monitorSvg, timelineSvg } from './report-charts.js';

/** One piece of a section; every text is plain text, escaped by the renderer. */
export type Block =
  | { readonly kind: 'p'; readonly text: string; readonly tone?: 'ok' | 'warn' | 'bad' }
  | { readonly kind: 'facts'; readonly rows: readonly (readonly [string, string])[] }
  | {
      readonly kind: 'table';
      readonly head: readonly string[];
      readonly rows: readonly (readonly string[])[];
    }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'h3'; readonly text: string }
  /** A chart: inline SVG for HTML, a Mermaid block (if any) for Markdown. */
  | { readonly kind: 'chart'; readonly svg: string; readonly mermaid?: string }
  /** A place for people to write: empty lines to fill in. */
  | { readonly kind: 'fill'; readonly prompt: string; readonly lines: number };

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface ReportDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Section[];
}

const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
const dur = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(ms));
const signed = (ms: number | undefined) =>
  ms === undefined ? '—' : ms === 0 ? '0s' : `${ms > 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;

/**
 * The review laid out as sections of plain blocks, in the order the business reads it; the Markdown and
 * HTML renderers draw the same document.
 */
export function reportDocument(r: RunReport): ReportDocument {
  const t0 = r.run.goLiveMs;
  const at = (ms: number | undefined) => (ms === undefined ? '—' : `${formatOffset(ms - t0)} (${iso(ms)})`);
  const sections: Section[] = [];
  const add = (id: string, title: string, blocks: Block[]) => sections.push({ id, title, blocks });

  const tone = r.run.outcome === 'completed' ? 'ok' : r.run.outcome === undefined ? 'warn' : 'bad';
  add('outcome', 'Outcome and summary', [
    { kind: 'p', text: r.summary.headline, tone },
    {
      kind: 'facts',
      rows: [
        ['Run', r.run.runId],
        ['Plan', `${r.run.planTitle} (${r.run.planName})`],
        [
          'Mode',
          `${r.run.mode}${r.run.dryRun ? ', dry run' : ''}${r.run.autoApprove ? ', auto-approve' : ''}${r.run.speed !== 1 ? `, clock ×${r.run.speed}` : ''}`,
        ],
        ['Outcome', r.run.outcome ?? `not ended (${r.run.status})`],
        ...(r.run.endReason ? [['Reason', r.run.endReason] as const] : []),
        [
          'T-0',
          iso(t0) + (r.run.goLiveHistory.length > 1 ? ` (moved ${r.run.goLiveHistory.length - 1}×)` : ''),
        ],
        ['Started', at(r.run.startedAtMs)],
        ['Ended', at(r.run.endedAtMs)],
        ['Duration', dur(r.summary.durationMs)],
        [
          'Tasks',
          `${r.summary.tasks.total}: ${r.summary.tasks.succeeded} succeeded, ${r.summary.tasks.skipped} skipped, ${r.summary.tasks.abandoned} abandoned, ${r.summary.tasks.notDone} not done`,
        ],
        ['Late tasks', String(r.summary.late)],
        ['Failures and holds', String(r.summary.failures)],
        ['Decisions', String(r.summary.decisions)],
        [
          'Inside the window',
          r.summary.insideWindow === undefined ? '—' : r.summary.insideWindow ? 'yes' : 'no',
        ],
        ...(r.run.rehearsal
          ? [['Rehearsal matched', `${r.run.rehearsal.runId} (${r.run.rehearsal.outcome})`] as const]
          : []),
      ],
    },
  ]);

  add('impact', 'Impact and downtime', [
    {
      kind: 'facts',
      rows: [
        ['Downtime', dur(r.impact.downtimeMs)],
        ['Users affected from', at(r.impact.startAtMs)],
        ['Users served again', at(r.impact.endAtMs)],
        ['Measured', r.impact.basis],
      ],
    },
  ]);

  add('milestones', 'Milestones', [
    r.milestones.length === 0
      ? { kind: 'p', text: 'No milestones recorded.' }
      : {
          kind: 'table',
          head: ['When', 'Milestone', 'Detail'],
          rows: r.milestones.map((m) => [at(m.atMs), m.label, m.detail]),
        },
  ]);

  const tl = r.timeline;
  const cp = tl.criticalPath;
  add('timeline', 'Planned, actual and forecast', [
    {
      kind: 'facts',
      rows: [
        ['Planned end', at(cp.plannedEndAtMs)],
        ['Forecast end (typical durations)', at(cp.forecastEndAtMs)],
        [
          'Forecast P50 / P90',
          `${at(r.forecast.p50EndAtMs)} / ${at(r.forecast.p90EndAtMs)} (${r.forecast.samples} samples; ${r.forecast.tasksFromHistory} task(s) from ${r.forecast.basedOnRuns} earlier run(s), the rest from estimates)`,
        ],
        ['Actual end', at(cp.actualEndAtMs)],
        ['Variance', signed(cp.varianceMs)],
      ],
    },
    { kind: 'chart', svg: timelineSvg(r), mermaid: ganttMermaid(r) },
    { kind: 'h3', text: 'Critical path' },
    {
      kind: 'table',
      head: ['Task (planned critical path)', 'Planned', 'Actual', 'Variance'],
      rows: cp.planned.map((c) => [c.id, dur(c.plannedMs), dur(c.actualMs), signed(c.varianceMs)]),
    },
    {
      kind: 'p',
      text: cp.actual.length
        ? `The chain that decided the real end: ${cp.actual.join(' → ')}.`
        : 'The run did not finish its tasks: no real critical path.',
    },
    { kind: 'h3', text: 'Phases' },
    {
      kind: 'table',
      head: ['Phase', 'Tasks', 'Planned', 'Actual', 'Forecast end', 'Late'],
      rows: tl.phases.map((p) => [
        `${p.id}${p.title !== p.id ? ` — ${p.title}` : ''}`,
        String(p.tasks),
        `${formatOffset(p.plannedStartAtMs - t0)} → ${formatOffset(p.plannedEndAtMs - t0)}`,
        p.actualStartAtMs === undefined
          ? '—'
          : `${formatOffset(p.actualStartAtMs - t0)} → ${p.actualEndAtMs === undefined ? '…' : formatOffset(p.actualEndAtMs - t0)}`,
        formatOffset(p.forecastEndAtMs - t0),
        signed(p.lateMs),
      ]),
    },
    { kind: 'h3', text: 'Tasks' },
    {
      kind: 'table',
      head: ['Task', 'Title', 'Status', 'Planned', 'Forecast', 'Actual', 'Variance', 'Finish vs plan'],
      rows: tl.tasks.map((t) => [
        `${t.id}${t.onPlannedCriticalPath ? ' ★' : ''}`,
        t.title,
        `${t.status}${t.completion && t.completion !== 'normal' ? ` (${t.completion})` : ''}${t.attempts > 1 ? `, ${t.attempts} attempts` : ''}`,
        dur(t.plannedMs),
        `${dur(t.forecastMs)}${t.forecastBasis === 'history' ? ' (history)' : ''}`,
        dur(t.actualMs),
        signed(t.varianceMs),
        signed(t.lateMs),
      ]),
    },
    { kind: 'p', text: '★ on the planned critical path.' },
  ]);

  add('late', 'Late tasks', [
    tl.late.length === 0
      ? { kind: 'p', text: 'No task finished later than planned.', tone: 'ok' }
      : {
          kind: 'table',
          head: ['Task', 'Title', 'Owner', 'Late by', 'Planned', 'Took'],
          rows: tl.late.map((t) => [
            t.id,
            t.title,
            t.owner ?? '—',
            dur(t.lateMs),
            dur(t.plannedMs),
            dur(t.actualMs),
          ]),
        },
  ]);

  const decisionBlocks: Block[] = [];
  if (r.decisions.length === 0) decisionBlocks.push({ kind: 'p', text: 'No decisions recorded.' });
  for (const d of r.decisions) {
    decisionBlocks.push({ kind: 'h3', text: `${d.title}: ${d.outcome}` });
    decisionBlocks.push({
      kind: 'facts',
      rows: [
        ['When', at(d.atMs)],
        ['Basis', d.basis],
        ...(d.by ? [['By', d.by] as const] : []),
        ...(d.reason ? [['Reason', d.reason] as const] : []),
        ...(d.evidence ? [['Evidence', d.evidence] as const] : []),
      ],
    });
    if (d.votes.length) {
      decisionBlocks.push({
        kind: 'table',
        head: ['Voter', 'Vote', 'When', 'Reason'],
        rows: d.votes.map((v) => [
          v.by,
          `${v.vote}${v.changed ? ' (changed)' : ''}`,
          at(v.atMs),
          v.reason ?? '',
        ]),
      });
    }
  }
  add('decisions', 'Decisions and votes', decisionBlocks);

  add('failures', 'Failures and holds', [
    r.incidents.length === 0
      ? { kind: 'p', text: 'No failure, hold or pause.', tone: 'ok' }
      : {
          kind: 'table',
          head: ['When', 'Step', 'What happened', 'How it was settled', 'Settled at'],
          rows: r.incidents.map((i) => [
            at(i.atMs),
            `${i.id} (${i.kind})`,
            i.what,
            i.settled,
            at(i.settledAtMs),
          ]),
        },
  ]);

  const rb = r.rollback;
  add(
    'rollback',
    'Rollback',
    rb === undefined
      ? [{ kind: 'p', text: 'No rollback was started.', tone: 'ok' }]
      : [
          {
            kind: 'facts',
            rows: [
              ['Started', `${at(rb.startedAtMs)} by ${rb.by}`],
              ['Reason', rb.reason],
              ...(rb.criterionId ? [['Criterion', rb.criterionId] as const] : []),
              ['Completed', at(rb.endedAtMs)],
              ['Budget used', `${dur(rb.usedMs)} of ${dur(rb.budgetMs)}`],
              ['Over budget', rb.overBudget.length ? rb.overBudget.join(', ') : 'none'],
            ],
          },
          { kind: 'chart', svg: budgetSvg(rb.steps) },
          {
            kind: 'table',
            head: ['Step', 'Title', 'Owner', 'Status', 'Used', 'Budget', 'Result'],
            rows: rb.steps.map((s) => [
              s.id,
              s.title,
              s.owner ?? '—',
              s.status,
              dur(s.usedMs),
              `${dur(s.budgetMs)}${s.over ? ' (over)' : ''}`,
              s.summary ?? '',
            ]),
          },
          ...(rb.followUp.length
            ? [
                { kind: 'h3', text: 'Follow-up' } as const,
                {
                  kind: 'table',
                  head: ['Task', 'Title', 'Owner', 'Due'],
                  rows: rb.followUp.map((f) => [f.id, f.title, f.owner ?? '—', at(f.dueAtMs)]),
                } as const,
              ]
            : []),
        ],
  );

  const dataBlocks: Block[] = [];
  if (r.data.length === 0) dataBlocks.push({ kind: 'p', text: 'The plan has no data validation step.' });
  for (const d of r.data) {
    dataBlocks.push({ kind: 'h3', text: `${d.id} — ${d.title}` });
    dataBlocks.push({
      kind: 'facts',
      rows: [
        ['Action', d.action],
        ['Status', d.status],
        ['When', at(d.atMs)],
        ...(d.summary ? [['Result', d.summary] as const] : []),
        ...(d.error ? [['Error', d.error] as const] : []),
      ],
    });
    if (d.tables.length) {
      dataBlocks.push({
        kind: 'table',
        head: [
          'Table',
          'Status',
          'Source rows',
          'Target rows',
          'Missing in target',
          'Missing in source',
          'Changed',
        ],
        rows: d.tables.map((t) => [
          t.table,
          t.status,
          t.sourceRows === null ? '—' : String(t.sourceRows),
          t.targetRows === null ? '—' : String(t.targetRows),
          String(t.missingInTarget),
          String(t.missingInSource),
          String(t.changed),
        ]),
      });
    }
  }
  add('data', 'Data validation', dataBlocks);

  const monitorBlocks: Block[] = [];
  if (r.monitors.length === 0) monitorBlocks.push({ kind: 'p', text: 'The plan has no monitors.' });
  for (const m of r.monitors) {
    const c = m.counters;
    monitorBlocks.push({ kind: 'h3', text: `${m.id} — ${m.title}: ${m.verdict}` });
    monitorBlocks.push({
      kind: 'p',
      text: `${m.condition || 'no condition'}; ${m.measurements.length} measurement(s): ${c.successful} successful, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} error.`,
    });
    if (m.measurements.length) {
      monitorBlocks.push({ kind: 'chart', svg: monitorSvg(m, t0) });
      monitorBlocks.push({
        kind: 'table',
        head: ['#', 'When', 'Value', 'Outcome', 'Reason'],
        rows: m.measurements.map((x) => [
          String(x.n),
          at(x.atMs),
          x.valueText ?? '—',
          `${x.outcome}${x.raw !== x.outcome ? ` (raw ${x.raw})` : ''}`,
          x.reason,
        ]),
      });
    }
  }
  add('monitors', 'Monitors', monitorBlocks);

  add('readiness', 'Readiness evidence', [
    r.readiness.length === 0
      ? { kind: 'p', text: 'The plan has no readiness checklist.' }
      : {
          kind: 'table',
          head: ['Item', 'Category', 'State', 'By', 'When', 'Evidence'],
          rows: r.readiness.map((c) => [
            `${c.id} — ${c.title}`,
            c.category,
            c.state,
            c.by ?? '—',
            at(c.atMs),
            [c.summary, c.evidence].filter(Boolean).join(' — '),
          ]),
        },
  ]);

  const h = r.history;
  add(
    'rehearsals',
    'This run against its rehearsals',
    h === undefined
      ? [{ kind: 'p', text: 'The store holds no other run of this plan.' }]
      : [
          {
            kind: 'table',
            head: ['Run', 'Mode', 'Outcome', 'Started', 'Duration'],
            rows: [
              [
                `${r.run.runId} (this run)`,
                r.run.mode,
                r.run.outcome ?? r.run.status,
                iso(r.run.startedAtMs),
                dur(r.summary.durationMs),
              ],
              ...h.runs.map((x) => [
                x.runId,
                `${x.mode}${x.dryRun ? ', dry run' : ''}`,
                x.outcome ?? 'not ended',
                iso(x.startedAtMs),
                dur(x.durationMs),
              ]),
            ],
          },
          h.tasks.length === 0
            ? {
                kind: 'p',
                text: 'No task was timed both in this run and in an earlier one (automatic completions are not timed).',
              }
            : {
                kind: 'table',
                head: ['Task', 'This run', 'Earlier median', 'Earlier runs', 'Difference'],
                rows: h.tasks.map((t) => [
                  t.id,
                  dur(t.thisMs),
                  dur(t.medianMs),
                  String(t.runs),
                  signed(t.differenceMs),
                ]),
              },
        ],
  );

  add('lessons', 'Lessons learned', [
    ...r.lessons.prompts.map((prompt): Block => ({ kind: 'fill', prompt, lines: 3 })),
    { kind: 'h3', text: 'Action items' },
    {
      kind: 'table',
      head: ['Action', 'Owner', 'Due'],
      rows: [...r.lessons.actionItems.map((a) => [a, '', '']), ['', '', ''], ['', '', '']],
    },
  ]);

  const v = r.audit.verdict;
  add('audit', 'Audit trail', [
    v === undefined
      ? { kind: 'p', text: 'The journal was not verified.', tone: 'warn' }
      : {
          kind: 'p',
          tone: v.status === 'intact' ? 'ok' : v.status === 'tampered' ? 'bad' : 'warn',
          text: `Journal verification: ${v.status.toUpperCase()} — ${v.events} events${v.keyId ? `, key ${v.keyId}` : ''}${v.witnessedSeq === undefined ? '' : `, witnessed up to event ${v.witnessedSeq}`}.${[...v.findings.map((f) => ` ${f.message}.`), ...v.notes.map((n) => ` ${n}.`)].join('')}`,
        },
    {
      kind: 'table',
      head: ['#', 'When', 'Actor', 'Event', 'Hash'],
      rows: r.audit.entries.map((e) => [
        String(e.seq),
        at(e.atMs),
        `${e.actor}${e.origin ? ` (${e.origin})` : ''}`,
        e.text,
        e.hash.slice(0, 12),
      ]),
    },
  ]);

  return {
    title: `Post-migration review: ${r.run.planTitle}`,
    subtitle: `Run ${r.run.runId} · ${r.run.mode} · ${r.run.outcome ?? r.run.status} · T-0 ${iso(t0)}`,
    sections,
  };
}

/** A Mermaid Gantt of the phases, planned against actual, for Markdown viewers that draw Mermaid. */
function ganttMermaid(r: RunReport): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9 ._-]/g, ' ').trim() || 'phase';
  const lines = ['gantt', '  dateFormat x', '  axisFormat %H:%M'];
  for (const p of r.timeline.phases) {
    lines.push(`  section ${clean(p.id)}`);
    lines.push(
      `  planned :${Math.round(p.plannedStartAtMs)}, ${Math.max(1, Math.round((p.plannedEndAtMs - p.plannedStartAtMs) / 1000))}s`,
    );
    if (p.actualStartAtMs !== undefined && p.actualEndAtMs !== undefined) {
      lines.push(
        `  actual :active, ${Math.round(p.actualStartAtMs)}, ${Math.max(1, Math.round((p.actualEndAtMs - p.actualStartAtMs) / 1000))}s`,
      );
    }
  }
  return lines.join('\n');
}
