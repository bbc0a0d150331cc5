import type { PersonCommand } from '../core/run/run-commands.js';
import type { RunEvent } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { foldRun } from '../core/run/run-state.js';
import type { WatchCommand } from '../core/go-live/watch-commands.js';
import type { CheckRecorded } from '../engine/readiness-check.js';
import type { SessionContext } from '../engine/run-session.js';
import { RunSession } from '../engine/run-session.js';
import { readPlanHistory } from '../engine/run-history.js';
import type { RunStore } from '../store/store.js';
import type { CommandOrigin, OpenedRunView, RunAccess } from './run-access.js';

/**
 * RunAccess through the engine's run session: the server's one door to runs, the same the CLI uses (same
 * rules, same conflict policy, origin recorded beside the person). One session per run, kept open.
 */
export class SessionRunAccess implements RunAccess {
  readonly #sessions = new Map<string, Promise<RunSession>>();

  constructor(
    private readonly store: RunStore,
    private readonly ctx: SessionContext,
  ) {}

  #session(runId: string): Promise<RunSession> {
    let s = this.#sessions.get(runId);
    if (!s) {
      s = RunSession.open(this.store, { runId }, this.ctx);
      this.#sessions.set(runId, s);
      s.catch(() => this.#sessions.delete(runId));
    }
    return s;
  }

  listRuns() {
    return this.store.listRuns();
  }

  async open(runId: string): Promise<OpenedRunView> {
    const session = await this.#session(runId);
    const events = await session.events();
    // The follower folds its own copy: the session's state is the session's.
    return { plan: session.plan, state: foldRun(events), events };
  }

  async readEvents(runId: string, afterSeq: number, limit?: number): Promise<readonly RunEvent[]> {
    const events = await (await this.#session(runId)).events(afterSeq);
    return limit === undefined ? events : events.slice(0, limit);
  }

  async runTime(state: RunState): Promise<number> {
    return (await this.#session(state.runId)).now();
  }

  async executor(runId: string) {
    const holder = await (await this.#session(runId)).driver();
    return holder && { pid: holder.pid, host: holder.host };
  }

  async act(
    runId: string,
    person: string,
    command: PersonCommand | ((nowMs: number) => PersonCommand),
    origin: CommandOrigin,
  ): Promise<readonly RunEvent[]> {
    const session = await this.#session(runId);
    return session.act(
      person,
      { via: 'api', tokenId: origin.tokenId, clientAddress: origin.address ?? 'unknown' },
      command,
    );
  }

  async actOnWatch(
    runId: string,
    person: string,
    command: WatchCommand,
    origin: CommandOrigin,
  ): Promise<readonly RunEvent[]> {
    const session = await this.#session(runId);
    return session.actOnWatch(
      person,
      { via: 'api', tokenId: origin.tokenId, clientAddress: origin.address ?? 'unknown' },
      command,
    );
  }

  async history(runId: string) {
    const session = await this.#session(runId);
    return (await readPlanHistory([this.store], session.plan, { excludeRunId: runId })).observed;
  }

  async runChecks(runId: string, origin: CommandOrigin): Promise<readonly CheckRecorded[]> {
    const session = await this.#session(runId);
    return session.runChecks({
      via: 'api',
      tokenId: origin.tokenId,
      clientAddress: origin.address ?? 'unknown',
    });
  }
}
