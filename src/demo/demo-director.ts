import { hostname, userInfo } from 'node:os';
import type { PersonCommand } from '../core/run-commands.js';
import type { Origin, RunEvent } from '../core/run-event.js';
import { findStep } from '../core/run-commands.js';
import { isDone } from '../core/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { RunSession } from '../engine/run-session.js';
import { owed } from '../engine/who-owes-what.js';

/** What the simulated team does when a step is held for its owner (e.g. the fault `slow-task`). */
export type HoldHandler = (stepId: string, person: string) => Promise<string | undefined> | string | undefined;

export interface DirectorOptions {
  /** Says what a person did, for the demo's narrative. */
  readonly say: (line: string) => void;
  /** Called for a held step before its owner retries it; returns what they did first (for the narrative). */
  readonly onHold?: HoldHandler;
  /**
   * Phases a person starts early (`pull`) as soon as every task of the phase before is done, e.g. the switch
   * once the data is validated, rather than keep users held until its planned time.
   */
  readonly pulls?: readonly { readonly phase: string; readonly by: string; readonly reason: string }[];
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
    for (const pull of this.#o.pulls ?? []) {
      const at = plan.phases.findIndex((p) => p.id === pull.phase);
      const before = plan.phases[at - 1];
      if (at < 1 || !before || state.pulledPhases.includes(pull.phase) || state.rollback) continue;
      if (before.taskIds.every((id) => isDone(state.steps[id]))) {
        await this.#act(pull.by, { kind: 'pull', phaseId: pull.phase, reason: pull.reason }, `pulls ${pull.phase} forward`);
      }
    }
    for (const item of owed(plan, state)) {
      const person = item.who[0];
      if (person === undefined) continue;
      if (item.what === 'sign off (checklist)') {
        await this.#act(person, { kind: 'sign', itemId: item.step, note: 'checked before the night' }, `signs ${item.step}`);
      } else if (item.what.startsWith('vote')) {
        if (item.what.includes('blocked by')) continue;
        for (const voter of item.who) {
          await this.#act(voter, { kind: 'vote', gateId: item.step, vote: 'go', reason: 'ready' }, `votes go on ${item.step}`);
        }
      } else if (item.what === 'complete') {
        // Only tasks a person does by hand: a wait task waits for its time, not for its owner.
        const found = findStep(plan, item.step);
        if (found?.kind === 'task' && found.task.kind !== 'manual') continue;
        await this.#act(person, { kind: 'complete', stepId: item.step }, `completes ${item.step}`);
      } else {
        const step = state.steps[item.step];
        const key = `${item.step}#${step?.attempt ?? 0}`;
        if (this.#settled.has(key)) continue;
        this.#settled.add(key);
        const did = await this.#o.onHold?.(item.step, person);
        if (did) this.#o.say(`${person}: ${did}`);
        await this.#act(person, { kind: 'retry', stepId: item.step, reason: did ?? 'trying again' }, `retries ${item.step}`);
      }
    }
  }

  async #act(person: string, command: PersonCommand, what: string): Promise<void> {
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
