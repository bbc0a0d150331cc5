import type { Threshold } from '../conditions/condition-thresholds.js';
import type { MonitorPhase } from '../go-live/monitor-analysis.js';
import type { CheckState, RunState, StepState, VoteRecord } from './run-state.js';

/**
 * The war room's picture of a run, as the API answers it and the dashboard draws it (`buildRunView` in
 * src/server computes it). Types only: the dashboard imports them from here.
 */

/** One task as the war room shows it; times relative to T-0 unless named `…AtMs`. */
export interface TaskView {
  readonly id: string;
  readonly title: string;
  readonly kind: 'manual' | 'automated' | 'gate' | 'wait' | 'rollback';
  readonly phase: string;
  readonly owner: string | null;
  /** People who may complete/fail/skip/retry it (gates: who may vote). */
  readonly actors: readonly string[];
  readonly plannedStartMs: number;
  readonly plannedFinishMs: number;
  readonly critical: boolean;
  readonly slackMs: number;
  readonly state: StepState;
  /** How late it is (finished late, or still open past its planned finish); 0 when on time. */
  readonly lateMs: number;
  readonly gate?: {
    readonly votes: readonly VoteRecord[];
    readonly required: number;
    readonly quorum: string;
    readonly deadlineMs: number | null;
    readonly onTimeout: string;
    readonly outcome: string | null;
    readonly blockedBy: readonly string[];
  };
  readonly budgetMs?: number;
}

/** Everything the dashboard draws, computed once per change and sent to every client. */
export interface RunView {
  readonly run: {
    readonly id: string;
    readonly title: string;
    readonly planName: string;
    readonly mode: string;
    readonly dryRun: boolean;
    readonly status: RunState['status'];
    readonly outcome: string | null;
    readonly endReason: string | null;
    readonly goLiveMs: number;
    readonly goLiveHistory: readonly number[];
    readonly startedAtMs: number;
    readonly endedAtMs: number | null;
    readonly lastSeq: number;
    readonly rollback: RunState['rollback'] | null;
    readonly firedCriteria: RunState['firedCriteria'];
  };
  /** The run clock: run now = atMs + (wall now − realMs) × speed while `ticking`. */
  readonly clock: {
    readonly nowMs: number;
    readonly serverWallMs: number;
    readonly speed: number;
    readonly ticking: boolean;
  };
  readonly executor: { readonly pid: number; readonly host: string } | null;
  readonly roles: Readonly<Record<string, { readonly title: string; readonly members: readonly string[] }>>;
  /** Who may pause, abort, roll back. */
  readonly leads: readonly string[];
  readonly schedule: {
    readonly criticalPath: readonly string[];
    readonly expectedEndMs: number;
    readonly pointOfNoReturnMs: number | null;
    readonly rollbackMs: number;
    readonly window: { readonly startMs: number; readonly endMs: number } | null;
  };
  readonly phases: readonly {
    readonly id: string;
    readonly title: string;
    readonly atMs: number;
    readonly pulled: boolean;
    readonly taskIds: readonly string[];
  }[];
  readonly tasks: readonly TaskView[];
  readonly rollbackSteps: readonly TaskView[];
  readonly checklist: readonly {
    readonly id: string;
    readonly category: string;
    readonly title: string;
    readonly owner: string;
    readonly signers: readonly string[];
    readonly automated: boolean;
    readonly check: CheckState | null;
  }[];
  /**
   * The go-live monitors with their conditions and limits; the measurements themselves are the run's
   * `monitor.measured` events (the dashboard charts them as they stream in).
   */
  readonly monitors: readonly MonitorView[];
  /** Where the run is heading: the plan's end, the live schedule's and the Monte Carlo forecast's. */
  readonly forecast: ForecastView;
  /** The go-live watch: rollback criteria (fired, asked, decided) and success. */
  readonly watch: {
    readonly criteria: readonly CriterionView[];
    readonly success: {
      readonly by: string;
      readonly atMs: number;
      readonly reason: string;
      readonly basis: string;
    } | null;
  };
  readonly owed: readonly { readonly step: string; readonly who: readonly string[]; readonly what: string }[];
}

export interface MonitorView {
  readonly id: string;
  readonly title: string;
  readonly intervalMs: number;
  readonly failWhen: string | null;
  readonly successWhen: string | null;
  /** Numeric limits in the conditions, to draw as lines (`result > 0.05` → `{ op: '>', value: 0.05 }`). */
  readonly failThresholds: readonly Threshold[];
  readonly successThresholds: readonly Threshold[];
  readonly phase: MonitorPhase;
  readonly taken: number;
  readonly dryRun: boolean;
}

export interface CriterionView {
  readonly id: string;
  readonly title: string;
  readonly when: string;
  /** A person declares it (`when: manual`). */
  readonly manual: boolean;
  /** A person declared it; the run fires it next (its executor acts on the declaration). */
  readonly declared: { readonly by: string; readonly atMs: number; readonly reason: string } | null;
  readonly fired: { readonly atMs: number; readonly detail: string } | null;
  readonly asked: { readonly deadlineAtMs: number | null; readonly default: string } | null;
  readonly decision: {
    readonly decision: 'rollback' | 'continue';
    readonly by: string;
    readonly reason: string;
    readonly basis: string;
  } | null;
}

/** Times relative to T-0. */
export interface ForecastView {
  readonly plannedEndMs: number;
  /** The live schedule's end: what happened so far, estimates for the rest (as `tminus status`). */
  readonly expectedEndMs: number;
  /** Monte Carlo over durations learned from earlier runs of the plan (as `tminus forecast`). */
  readonly p50EndMs: number;
  readonly p90EndMs: number;
  readonly samples: number;
  /** How many durations from earlier runs the forecast learned from. */
  readonly learnedFrom: number;
  readonly windowEndMs: number | null;
  readonly chanceInsideWindow: number | null;
  /** Each task's real or expected start and finish in the live schedule. */
  readonly tasks: readonly { readonly id: string; readonly startMs: number; readonly finishMs: number }[];
}
