import { hostname } from 'node:os';
import { builtinActions } from '../actions/builtin-actions.js';
import { ACTION_TYPES } from '../core/action-types.js';
import { loadPlan } from '../core/load-plan.js';
import type { Plan } from '../core/plan.js';
import type { PersonCommand } from '../core/run-commands.js';
import { decideCommand } from '../core/run-commands.js';
import type { RunEvent } from '../core/run-event.js';
import type { RunState } from '../core/run-state.js';
import { foldRun } from '../core/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { LeaseHolder, RunStore } from '../store/store.js';
import type { CommandOrigin, OpenedRunView, RunAccess } from './run-access.js';

/** Attempts before giving up when other people keep appending at the same moment. */
const MAX_CONFLICTS = 20;

function holderIsDead(holder: LeaseHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * RunAccess straight over a store, until the engine's run session (issue 8) takes its place: the same
 * steps as `tminus complete/vote/…` (decide on the folded state, append only if nobody appended in between,
 * re-read and re-decide on a race).
 */
export class StoreRunAccess implements RunAccess {
  readonly #plans = new Map<string, Plan>();

  constructor(
    private readonly store: RunStore,
    private readonly realNow: () => number,
  ) {}

  listRuns() {
    return this.store.listRuns();
  }

  async open(runId: string): Promise<OpenedRunView> {
    const events = await this.store.readEvents(runId);
    if (events.length === 0) {
      const runs = await this.store.listRuns();
      throw new TminusError('RUN_NOT_FOUND', `no run '${runId}' in this store`, {
        hint: runs.length
          ? `runs: ${runs
              .slice(0, 5)
              .map((r) => r.runId)
              .join(', ')}`
          : 'no runs yet',
      });
    }
    const state = foldRun(events);
    return { plan: this.#plan(state), state, events };
  }

  #plan(state: RunState): Plan {
    const cached = this.#plans.get(state.runId);
    if (cached) return cached;
    const own = builtinActions().catalog();
    const { plan, issues } = loadPlan(state.planText, {
      actions: { types: [...new Set([...ACTION_TYPES, ...own.types])], checkParams: own.checkParams },
    });
    if (!plan) {
      throw new TminusError(
        'STORE_CORRUPT',
        `the plan stored with run ${state.runId} no longer loads: ${issues[0]?.message ?? 'unknown problem'}`,
      );
    }
    this.#plans.set(state.runId, plan);
    return plan;
  }

  readEvents(runId: string, afterSeq: number, limit?: number) {
    return this.store.readEvents(runId, afterSeq, limit);
  }

  async executor(runId: string) {
    const lease = await this.store.leaseOf(runId);
    const now = this.realNow();
    return lease !== undefined && lease.expiresAtMs > now && !holderIsDead(lease.holder)
      ? { pid: lease.holder.pid, host: lease.holder.host }
      : undefined;
  }

  async runTime(state: RunState): Promise<number> {
    const real = this.realNow();
    const a = state.clockAnchor;
    const now = Math.round(a.atMs + (real - a.realMs) * a.speed);
    if (state.mode === 'live') return now;
    if (state.status === 'ended') return state.lastAtMs;
    return (await this.executor(state.runId)) ? Math.max(state.lastAtMs, now) : state.lastAtMs;
  }

  async act(
    runId: string,
    person: string,
    command: PersonCommand | ((nowMs: number) => PersonCommand),
    _origin: CommandOrigin,
  ): Promise<readonly RunEvent[]> {
    let { events, plan } = await this.open(runId);
    for (let i = 0; i < MAX_CONFLICTS; i++) {
      const state = foldRun(events);
      const now = await this.runTime(state);
      const cmd = typeof command === 'function' ? command(now) : command;
      const data = decideCommand(plan, state, person, cmd, now);
      const r = await this.store.append(
        runId,
        state.lastSeq,
        data.map((d) => ({ atMs: now, actor: person, data: d })),
      );
      if (r.ok) return r.events;
      events = [...events, ...(await this.store.readEvents(runId, state.lastSeq))];
      plan = this.#plan(state);
    }
    throw new TminusError('STORE_CONFLICT', 'the run keeps changing under this command; try again');
  }
}
