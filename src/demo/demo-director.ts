import { hostname, userInfo } from 'node:os';
import type { PersonCommand } from '../core/run/run-commands.js';
import type { Origin, RunEvent } from '../core/run/run-event.js';
import { findStep } from '../core/run/run-commands.js';
import { isDone } from '../core/run/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { RunSession } from '../engine/run-session.js';
import { owed } from '../engine/who-owes-what.js';

/** What the simulated team does when a step is held for its owner (e.g. the fault `slow-task`). */
export type HoldHandler = (
  stepId: string,
  person: string,
) => Promise<string | undefined> | string | undefined;

export interface DirectorOptions {
  /** Says what a person did, for the demo's narrative. */
  readonly say: (line: string) => void;
  /** Called for a held step before its owner retries it; returns what they did first (for the narrative). */
  readonly onHold?: HoldHandler;
  /**
   * Moves T-0 earlier when the run is ahead of plan: once every task of phase `after` is done, `by`
   * rebaselines so that phase `next` starts now, rather than keep users held until its planned time.
   */
  readonly ahead?: {
    readonly after: string;
    readonly next: string;
    readonly by: string;
    readonly reason: string;
  };
}

/**
 * The simulated team: each person acts through the run session as themselves — signs their checklist items,
 * votes on gates, completes their manual tasks, and settles a held step (after `onHold`) by retrying it.
 * Woken by every event of the run, so it reacts to what happened rather than to the clock.
 */
export class DemoDirector {
  readonly #session: RunSession;
  readonly #o: DirectorOptions;
  readonly #origin: Origin;
  #busy: Promise<void> = Promise.resolve();
  #again = false;
  #running = false;
  #rebaselined = false;
  /** Held steps already settled once per attempt, so one hold gets one answer. */
  readonly #settled = new Set<string>();
  /** Every command the team gave, for the summary. */
  readonly actions: { person: string; what: string }[] = [];
  /** Errors from acting (a command refused because the run moved on is expected and not kept). */
  readonly errors: string[] = [];

  constructor(session: RunSession, options: DirectorOptions) {
    this.#session = session;
    this.#o = options;
    let osUser = 'demo';
    try {
      osUser = userInfo().username;
    } catch {
      // no user name here: 'demo' says where the commands came from well enough
    }
    this.#origin = { via: 'cli', osUser, host: hostname(), pid: process.pid };
  }

  /** Something happened in the run: look at who owes what (once at a time; again if woken meanwhile). */
  wake(_event?: RunEvent): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#busy = (async () => {
      do {
        this.#again = false;
        await this.#round();
      } while (this.#again);
      this.#running = false;
    })();
  }

  /** Waits for the current round to finish. */
  idle(): Promise<void> {
    return this.#busy;
  }

  async #round(): Promise<void> {
    const state = await this.#session.refresh();
    if (state.status !== 'running') return;
    const plan = this.#session.plan;
    const ahead = this.#o.ahead;
    if (ahead && !this.#rebaselined && !state.rollback) {
      const after = plan.phases.find((p) => p.id === ahead.after);
      const next = plan.phases.find((p) => p.id === ahead.next);
      const done = after?.taskIds.every((id) => isDone(state.steps[id])) === true;
      const nextStarted =
        next?.taskIds.some((id) => state.steps[id]?.firstStartedAtMs !== undefined) === true;
      if (next && done && !nextStarted) {
        this.#rebaselined = true;
        await this.#act(
          ahead.by,
          (nowMs) => ({ kind: 'rebaseline', goLiveMs: nowMs - next.atMs, reason: ahead.reason }),
          `moves T-0 so that ${ahead.next} starts now`,
        );
      }
    }
    for (const item of owed(plan, state)) {
      const person = item.who[0];
      if (person === undefined) continue;
      if (item.what === 'sign off (checklist)') {
        await this.#act(
          person,
          { kind: 'sign', itemId: item.step, note: 'checked before the night' },
          `signs ${item.step}`,
        );
      } else if (item.what.startsWith('vote')) {
        if (item.what.includes('blocked by')) continue;
        for (const voter of item.who) {
          await this.#act(
            voter,
            { kind: 'vote', gateId: item.step, vote: 'go', reason: 'ready' },
            `votes go on ${item.step}`,
          );
        }
      } else if (item.what === 'complete') {
        // Only tasks a person does by hand: a wait task waits for its time, not for its owner.
        const found = findStep(plan, item.step);
        if (found?.kind === 'task' && found.task.kind !== 'manual') continue;
        await this.#act(person, { kind: 'complete', stepId: item.step }, `completes ${item.step}`);
      } else {
        // A failure a rollback criterion watches is the criterion's to settle, not its owner's.
        if (plan.rollback.criteria.some((c) => c.task === item.step)) continue;
        const step = state.steps[item.step];
        const key = `${item.step}#${step?.attempt ?? 0}`;
        if (this.#settled.has(key)) continue;
        this.#settled.add(key);
        const did = await this.#o.onHold?.(item.step, person);
        if (did) this.#o.say(`${person}: ${did}`);
        await this.#act(
          person,
          { kind: 'retry', stepId: item.step, reason: did ?? 'trying again' },
          `retries ${item.step}`,
        );
      }
    }
  }

  async #act(
    person: string,
    command: PersonCommand | ((runNowMs: number) => PersonCommand),
    what: string,
  ): Promise<void> {
    try {
      const appended = await this.#session.act(person, this.#origin, command);
      if (appended.length > 0) this.actions.push({ person, what });
    } catch (error) {
      // The run moved on between looking and acting (a gate closed, the run ended): nothing to do.
      if (error instanceof TminusError) {
        if (!['RUN_ENDED', 'REFUSED'].includes(error.code)) {
          this.errors.push(`${person} ${what}: ${error.message}`);
        }
        return;
      }
      this.errors.push(`${person} ${what}: ${(error as Error).message}`);
    }
  }
}
