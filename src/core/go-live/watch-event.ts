import type { MeasurementOutcome } from './monitor-analysis.js';
import type { DecisionDefault } from '../plan/plan.js';

/** How serious a fired criterion is: `failed` may roll back by itself (auto); `inconclusive` always asks. */
export type CriterionSeverity = 'failed' | 'inconclusive';

/** What people (or the deadline) decided about a fired criterion. */
export type Decision = 'rollback' | 'continue';

/**
 * The journal events of the go-live watch (SPEC §6): measurements, decisions asked and taken, the point of
 * no return, the rollback's burn, success. Part of the run's journal (`RunEventData`).
 */
export type WatchEventData =
  /** One measurement of a monitor; `n` numbers them per monitor so a resumed run counts each once. */
  | {
      readonly type: 'monitor.measured';
      readonly monitorId: string;
      readonly n: number;
      readonly raw: MeasurementOutcome;
      readonly outcome: MeasurementOutcome;
      readonly reason: string;
      readonly value?: unknown;
    }
  /** A person declared a `manual` criterion (e.g. a security finding). */
  | { readonly type: 'criterion.declared'; readonly criterionId: string; readonly reason: string }
  /** People are asked to decide, by `deadlineAtMs` if any, after which `default` applies. */
  | {
      readonly type: 'decision.asked';
      readonly criterionId: string;
      readonly severity: CriterionSeverity;
      readonly deadlineAtMs?: number;
      readonly default: DecisionDefault;
    }
  /** The decision: by a person (the event's actor), by the deadline's default, or automatically. */
  | {
      readonly type: 'decision.made';
      readonly criterionId: string;
      readonly decision: Decision;
      readonly basis: 'person' | 'deadline' | 'auto';
      readonly reason: string;
      /** A rollback decided after the point of no return, knowingly. */
      readonly override?: boolean;
    }
  | { readonly type: 'ponr.warned'; readonly leadMs: number; readonly ponrAtMs: number }
  | { readonly type: 'ponr.passed'; readonly ponrAtMs: number }
  /** A rollback step ran past its budget. */
  | {
      readonly type: 'rollback.over-budget';
      readonly stepId: string;
      readonly budgetMs: number;
      readonly usedMs: number;
    }
  /** The go-live watch ended well: every monitor successful, or a person said so, with the evidence. */
  | {
      readonly type: 'success.declared';
      readonly basis: 'monitors' | 'person';
      readonly reason: string;
      readonly evidence: Readonly<Record<string, unknown>>;
    }
  /**
   * The event numbered `forSeq` was announced on the run's channels (`channels:`): what the notify action
   * said, or `failed` with its error. Recorded once per announced event, so a resumed run sends only what
   * was not yet recorded as sent.
   */
  | {
      readonly type: 'watch.announced';
      readonly forSeq: number;
      readonly about: string;
      readonly summary: string;
      readonly failed?: boolean;
    }
  /** The post-rollback task list, recorded once the rollback completed. */
  | {
      readonly type: 'followup.recorded';
      readonly tasks: readonly {
        readonly id: string;
        readonly title: string;
        readonly owner?: string;
        readonly dueAtMs?: number;
      }[];
    };
