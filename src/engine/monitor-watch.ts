import type { Logger } from '../core/logger.js';
import type { ActionCall, Monitor, Plan } from '../core/plan/plan.js';
import type { RunEventData } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { coerceError } from '../core/tminus-error.js';
import {
  compileMeasurementConditions,
  debounceOutcome,
  judgeActionResult,
  type ActionResult,
  type MeasurementConditions,
  type MeasurementOutcome,
} from '../core/go-live/monitor-analysis.js';
import { monitorTiming } from '../core/go-live/monitor-timing.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { progressOf } from '../core/go-live/watch-state.js';

const OUTCOMES: readonly string[] = ['successful', 'failed', 'inconclusive', 'error'];

/** A value small enough to keep in the journal with the measurement (numbers, short lists and texts). */
function keepable(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value === undefined) return undefined;
  const text = JSON.stringify(value, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? String(x) : x,
  );
  return text !== undefined && text.length <= 400 ? (JSON.parse(text) as unknown) : undefined;
}

export interface MonitorWatchOptions {
  readonly plan: Plan;
  /** Runs a monitor's action as the executor runs a step's (same clock, secrets, redaction, signal). */
  readonly run: (
    call: ActionCall,
    monitor: Monitor,
  ) => Promise<{ value?: unknown; output?: Readonly<Record<string, unknown>> }>;
  /** Appends what `make` returns, deciding on the freshest watch state (the executor's serialised write). */
  readonly record: (make: () => RunEventData[] | undefined) => Promise<boolean>;
  /** The executor's live watch state. */
  readonly watch: () => WatchState;
  /** Called when a measurement was recorded, so the executor decides again. */
  readonly wake: () => void;
  readonly logger: Logger;
}

/**
 * Takes the monitors' measurements inside the run: each monitor on its own schedule (`monitorTiming`),
 * whatever people are doing and even while the run is paused. A measurement is numbered before it starts
 * (`n` = measurements recorded + 1) and recorded only if the journal still has n − 1 of them, so a crash
 * between measuring and recording repeats the measurement once, and one recorded twice counts once.
 */
export class MonitorWatch {
  readonly #o: MonitorWatchOptions;
  readonly #inflight = new Set<string>();
  readonly #conditions = new Map<string, MeasurementConditions>();

  constructor(options: MonitorWatchOptions) {
    this.#o = options;
  }

  /** Starts the measurements due now; returns when the next one falls due. */
  tick(run: RunState, nowMs: number): number | undefined {
    // A rollback leaves the new side; a dry run only describes actions, so there is nothing to measure.
    if (run.status === 'ended' || run.rollback || run.dryRun) return undefined;
    let wakeAtMs: number | undefined;
    const watch = this.#o.watch();
    for (const m of this.#o.plan.monitors) {
      if (this.#inflight.has(m.id)) continue;
      const progress = progressOf(watch, m.id);
      const t = monitorTiming(m, run.goLiveMs, progress, this.#o.plan.window?.endMs);
      if (t.state === 'closed') continue;
      if (t.dueAtMs > nowMs) {
        if (wakeAtMs === undefined || t.dueAtMs < wakeAtMs) wakeAtMs = t.dueAtMs;
        continue;
      }
      this.#inflight.add(m.id);
      void this.#measure(m, progress.taken + 1).finally(() => {
        this.#inflight.delete(m.id);
        this.#o.wake();
      });
    }
    return wakeAtMs;
  }

  #conditionsOf(m: Monitor): MeasurementConditions {
    let c = this.#conditions.get(m.id);
    if (!c) {
      c = compileMeasurementConditions(m);
      this.#conditions.set(m.id, c);
    }
    return c;
  }

  async #measure(m: Monitor, n: number): Promise<void> {
    // metrics.query judges its own `with:` conditions; in a monitor it reports the outcome rather than
    // failing, so that failed, inconclusive and error stay distinct.
    const call: ActionCall =
      m.call.action === 'metrics.query' ? { ...m.call, with: { ...m.call.with, assert: false } } : m.call;
    let result: ActionResult;
    try {
      const r = await this.#o.run(call, m);
      const outcome = r.output?.outcome;
      const reason = r.output?.reason;
      result = {
        kind: 'value',
        value: r.value,
        ...(typeof outcome === 'string' && OUTCOMES.includes(outcome)
          ? { outcome: outcome as MeasurementOutcome }
          : {}),
        ...(typeof reason === 'string' ? { reason } : {}),
      };
    } catch (thrown) {
      const e = coerceError(thrown);
      if (e.code === 'ABORTED') return; // the run ended or the executor stopped: nothing measured
      result = { kind: 'thrown', code: e.code, message: e.message };
    }
    const judged = judgeActionResult(this.#conditionsOf(m), result);
    await this.#o
      .record(() => {
        const progress = progressOf(this.#o.watch(), m.id);
        if (progress.taken !== n - 1) return undefined;
        const counted = debounceOutcome(m, progress.health, judged);
        const value = result.kind === 'value' ? keepable(result.value) : undefined;
        return [
          {
            type: 'monitor.measured',
            monitorId: m.id,
            n,
            raw: judged.outcome,
            outcome: counted.outcome,
            reason: counted.reason,
            ...(value === undefined ? {} : { value }),
          },
        ];
      })
      .catch((e: unknown) =>
        this.#o.logger.error(`could not record a measurement of '${m.id}'`, { error: String(e) }),
      );
  }
}
