import { describeEvent } from '../core/run/describe-event.js';
import type { Logger } from '../core/logger.js';
import type { ActionCall, Plan } from '../core/plan/plan.js';
import type { RunEvent, RunEventData } from '../core/run/run-event.js';
import { coerceError } from '../core/tminus-error.js';
import { ROLLBACK_VERIFY_ID } from '../core/rollback/rollback-verify.js';

/** The go-live watch's events announced on the run's channels. */
const ANNOUNCED: ReadonlySet<string> = new Set([
  'criterion.fired',
  'criterion.declared',
  'decision.asked',
  'decision.made',
  'ponr.warned',
  'ponr.passed',
  'rollback.started',
  'rollback.over-budget',
  'success.declared',
]);

/** Whether an event is announced on the run's channels: the watch's events and the rollback's verification. */
export const isAnnounced = (e: RunEvent): boolean =>
  ANNOUNCED.has(e.data.type) ||
  ((e.data.type === 'step.succeeded' || e.data.type === 'step.failed') &&
    e.data.stepId === ROLLBACK_VERIFY_ID);

export interface WatchAnnouncerOptions {
  readonly plan: Plan;
  /** Runs the notify call as the executor runs a step's action (comms mode, secrets, redaction). */
  readonly run: (call: ActionCall, stepId: string, title: string) => Promise<{ summary: string }>;
  /** Appends what `make` returns through the executor's serialised write. */
  readonly record: (make: () => RunEventData[] | undefined) => Promise<boolean>;
  readonly logger: Logger;
}

/**
 * Announces the go-live watch's events (criteria fired, decisions asked and taken, the point of no return,
 * rollback started, success) on the plan's `channels:` with the notify action, one at a time in journal
 * order, and records each as `watch.announced`. What the journal shows as not yet announced is sent again
 * after a crash, under the same idempotency key (`RUN:announce-SEQ`), so a webhook receiver can drop a
 * delivery it already had; nothing recorded as announced is sent twice.
 */
export class WatchAnnouncer {
  readonly #o: WatchAnnouncerOptions;
  readonly #pending = new Map<number, RunEvent>();
  readonly #done = new Set<number>();
  #sending: Promise<void> | undefined;

  constructor(options: WatchAnnouncerOptions) {
    this.#o = options;
  }

  /** Takes note of an event of the run (every one, in order, including those read at start). */
  seen(e: RunEvent): void {
    if (this.#o.plan.channels.length === 0) return;
    if (e.data.type === 'watch.announced') {
      this.#done.add(e.data.forSeq);
      this.#pending.delete(e.data.forSeq);
    } else if (isAnnounced(e) && !this.#done.has(e.seq)) {
      this.#pending.set(e.seq, e);
    }
  }

  /** Whether announcements are still to be sent or recorded. */
  get busy(): boolean {
    return this.#pending.size > 0 || this.#sending !== undefined;
  }

  /** Starts sending what is pending, unless a send is under way. */
  tick(): void {
    if (this.#sending || this.#pending.size === 0) return;
    this.#sending = this.#drain().finally(() => (this.#sending = undefined));
  }

  /** Sends everything pending and waits until it is recorded. */
  async flush(): Promise<void> {
    while (this.busy) {
      this.tick();
      await this.#sending;
    }
  }

  async #drain(): Promise<void> {
    for (;;) {
      const next = [...this.#pending.values()].sort((a, b) => a.seq - b.seq)[0];
      if (!next) return;
      await this.#announce(next);
      // Recorded or not (a stopped executor), this process does not try the same event again.
      this.#pending.delete(next.seq);
    }
  }

  async #announce(e: RunEvent): Promise<void> {
    const text = describeEvent(e);
    const call: ActionCall = {
      action: 'notify',
      with: {
        title: '{{run.planTitle}}: {{vars.headline}}',
        message: '{{vars.detail}}',
        vars: { event: e.data.type, seq: e.seq, headline: headline(e), detail: text },
        channels: this.#o.plan.channels,
      },
      timeoutMs: undefined,
    };
    let summary: string;
    let failed = false;
    try {
      summary = (await this.#o.run(call, `announce-${e.seq}`, headline(e))).summary;
    } catch (thrown) {
      const error = coerceError(thrown);
      if (error.code === 'ABORTED') return; // the executor stopped: announced after the resume
      summary = `${error.code}: ${error.message}`;
      failed = true;
      this.#o.logger.error(`could not announce event #${e.seq}`, { error: summary });
    }
    await this.#o
      .record(() =>
        this.#done.has(e.seq)
          ? undefined
          : [
              {
                type: 'watch.announced',
                forSeq: e.seq,
                about: e.data.type,
                summary,
                ...(failed ? { failed: true } : {}),
              },
            ],
      )
      .catch((error: unknown) =>
        this.#o.logger.error(`could not record the announcement of #${e.seq}`, { error: String(error) }),
      );
  }
}

/** A short headline for an announced event. */
function headline(e: RunEvent): string {
  const d = e.data;
  switch (d.type) {
    case 'criterion.fired':
      return `rollback criterion ${d.criterionId} fired`;
    case 'criterion.declared':
      return `${e.actor} declared ${d.criterionId}`;
    case 'decision.asked':
      return `decision needed on ${d.criterionId}`;
    case 'decision.made':
      return `decided on ${d.criterionId}: ${d.decision}`;
    case 'ponr.warned':
      return 'point of no return approaching';
    case 'ponr.passed':
      return 'point of no return passed';
    case 'rollback.started':
      return 'ROLLBACK started';
    case 'rollback.over-budget':
      return `rollback step ${d.stepId} over budget`;
    case 'success.declared':
      return 'go-live SUCCESS';
    case 'step.succeeded':
      return 'rollback verified: the legacy side is healthy';
    case 'step.failed':
      return 'rollback verification FAILED';
    default:
      return d.type;
  }
}
