import type { DurationModelOptions, TaskDurationModel } from '../core/schedule/duration-model.js';
import { formatDuration } from '../core/plan/duration.js';
import type { Forecast } from '../core/schedule/forecast.js';
import { formatOffset } from '../core/plan/offset.js';
import type { Plan } from '../core/plan/plan.js';
import type { PlanHistory } from '../engine/run-history.js';
import type { Style } from './style.js';

/** Everything `tminus forecast` prints. */
export interface ForecastReport {
  readonly plan: Plan;
  readonly forecast: Forecast;
  readonly models: readonly TaskDurationModel[];
  readonly history: PlanHistory;
  readonly options: DurationModelOptions;
  /** T-0 in epoch ms when known (the plan's goLive, --go-live, or the run's). */
  readonly goLiveMs: number | undefined;
  /** Stores read, for the record. */
  readonly sources: readonly string[];
  /** During a run: which, and now relative to T-0. */
  readonly live: { readonly runId: string; readonly nowMs: number } | undefined;
}

const MOST_CRITICAL_SHOWN = 5;
const percent = (share: number) => `${Math.round(share * 100)} %`;

function basisText(m: TaskDurationModel, options: DurationModelOptions): string {
  if (m.basis === 'history') return `${m.observedMs.length} runs`;
  if (m.basis === 'clock') return 'clock';
  const few = m.observedMs.length > 0 ? `, ${m.observedMs.length} of ${options.minSamples} runs` : '';
  return `estimate ±${Math.round(options.spread * 100)}%${few}`;
}

/** The forecast as text: the key figures, the most critical tasks, then how each task's duration is drawn. */
export function formatForecast(r: ForecastReport, style: Style): string {
  const f = r.forecast;
  const at = (offsetMs: number) =>
    r.goLiveMs === undefined
      ? formatOffset(offsetMs)
      : `${formatOffset(offsetMs).padEnd(10)} ${new Date(r.goLiveMs + offsetMs).toISOString().slice(0, 16).replace('T', ' ')}`;
  const runs = r.history.runs;
  const rehearsals = runs.filter((x) => x.mode === 'rehearsal').length;
  const out = [
    style.bold(`${r.plan.title}  (${r.plan.name})`) +
      (r.live ? `  run ${r.live.runId} at ${formatOffset(r.live.nowMs)}` : '  before the run'),
    style.dim(
      `${f.samples} samples, seed ${f.seed}; learned from ${runs.length} earlier run(s) (${rehearsals} rehearsal(s), ${runs.length - rehearsals} live)${r.sources.length ? ` in ${r.sources.join(', ')}` : ''}`,
    ),
    '',
    `planned end          ${at(f.plannedEndMs)}`,
    style.bold(`P50 end              ${at(f.p50EndMs)}`),
    style.bold(`P90 end              ${at(f.p90EndMs)}`),
  ];
  if (f.windowEndMs !== undefined && f.chanceInsideWindow !== undefined) {
    const line = `window ends          ${at(f.windowEndMs)}  chance to finish inside: ${percent(f.chanceInsideWindow)}`;
    out.push(f.chanceInsideWindow < 0.9 ? style.warning(line) : line);
  } else out.push('window               - (the plan has no window)');
  if (f.pointOfNoReturnMs !== undefined && f.chancePointOfNoReturnFirst !== undefined) {
    const last =
      f.guarded.length === 0
        ? 'the last task'
        : f.guarded.length === 1
          ? `${f.guarded[0]!} (the change the rollback undoes)`
          : `the last of ${f.guarded.join(', ')} (the changes the rollback undoes)`;
    const line = `point of no return   ${at(f.pointOfNoReturnMs)}  chance it passes before ${last} is done: ${percent(f.chancePointOfNoReturnFirst)}`;
    out.push(f.chancePointOfNoReturnFirst > 0.1 ? style.warning(line) : line);
  }
  const critical = f.criticality.slice(0, MOST_CRITICAL_SHOWN).map((c) => `${c.id} ${percent(c.share)}`);
  out.push(`most often critical  ${critical.join(', ') || '-'}`);
  out.push(
    '',
    style.dim(
      'TASK'.padEnd(24) + 'BASIS'.padEnd(26) + 'ESTIMATE'.padEnd(10) + 'TYPICAL'.padEnd(10) + 'RANGE',
    ),
  );
  for (const m of r.models) {
    out.push(
      m.id.padEnd(24) +
        basisText(m, r.options).padEnd(26) +
        formatDuration(m.estimateMs).padEnd(10) +
        formatDuration(m.typicalMs).padEnd(10) +
        (m.basis === 'clock' ? '-' : `${formatDuration(m.minMs)} .. ${formatDuration(m.maxMs)}`),
    );
  }
  return out.join('\n');
}

/** The `--json` form: offsets in ms relative to T-0, ISO times when T-0 is known, shares from 0 to 1. */
export function forecastJson(r: ForecastReport) {
  const f = r.forecast;
  const time = (offsetMs: number | undefined) =>
    offsetMs === undefined
      ? null
      : {
          offsetMs,
          offset: formatOffset(offsetMs),
          at: r.goLiveMs === undefined ? null : new Date(r.goLiveMs + offsetMs).toISOString(),
        };
  return {
    plan: r.plan.name,
    run: r.live?.runId ?? null,
    now: r.live ? time(r.live.nowMs) : null,
    goLive: r.goLiveMs === undefined ? null : new Date(r.goLiveMs).toISOString(),
    samples: f.samples,
    seed: f.seed,
    model: { minSamples: r.options.minSamples, spread: r.options.spread },
    history: { sources: r.sources, runs: r.history.runs },
    plannedEnd: time(f.plannedEndMs),
    p50End: time(f.p50EndMs),
    p90End: time(f.p90EndMs),
    meanEndMs: Math.round(f.meanEndMs),
    windowEnd: time(f.windowEndMs),
    chanceInsideWindow: f.chanceInsideWindow ?? null,
    pointOfNoReturn: time(f.pointOfNoReturnMs),
    chancePointOfNoReturnFirst: f.chancePointOfNoReturnFirst ?? null,
    rollbackGuards: f.guarded,
    criticality: f.criticality,
    tasks: r.models.map((m) => ({
      id: m.id,
      basis: m.basis,
      estimateMs: m.estimateMs,
      observedMs: m.observedMs,
      typicalMs: Math.round(m.typicalMs),
      minMs: Math.round(m.minMs),
      maxMs: Math.round(m.maxMs),
    })),
  };
}
