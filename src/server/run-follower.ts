import type { Plan } from '../core/plan/plan.js';
import type { RunEvent } from '../core/run/run-event.js';
import type { RunState } from '../core/run/run-state.js';
import { applyEvent } from '../core/run/run-state.js';
import type { WatchState } from '../core/go-live/watch-state.js';
import { applyWatchEvent, foldWatch } from '../core/go-live/watch-state.js';
import type { TaskDurationModel } from '../core/schedule/duration-model.js';
import { buildDurationModels } from '../core/schedule/duration-model.js';
import type { ForecastView } from '../core/run/run-view.js';
import type { ScheduleGraph } from '../core/schedule/schedule-graph.js';
import { compileGraph } from '../core/schedule/schedule-graph.js';
import type { RunAccess } from './run-access.js';
import { forecastView } from './forecast-view.js';
import type { RunView } from './run-view.js';
import { buildRunView } from './run-view.js';

/** Recent events kept in memory so reconnecting clients replay without touching the store. */
const RECENT = 5_000;
/** The forecast is redone on every change, and this often while nothing changes (time moves it). */
const FORECAST_EVERY_MS = 10_000;
const encoder = new TextEncoder();

export type Listener = () => void;

/**
 * One per run in a server: follows the run's journal (one store read per interval, however many clients
 * watch) and wakes every listener when events arrive. Events the server itself appends are fed in at once.
 * Keeps the folded state, the latest events and the view, computed once per change for all clients.
 */
export class RunFollower {
  readonly #recent: RunEvent[] = [];
  readonly #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #view: { seq: number; wallMs: number; json: string; frame: Uint8Array; view: RunView } | undefined;
  #forecast: { seq: number; wallMs: number; value: ForecastView } | undefined;
  readonly #graph: ScheduleGraph;

  private constructor(
    private readonly access: RunAccess,
    readonly runId: string,
    readonly plan: Plan,
    readonly state: RunState,
    private readonly pollMs: number,
    private readonly realNow: () => number,
    readonly watch: WatchState,
    private readonly models: readonly TaskDurationModel[],
    private readonly learnedFrom: number,
  ) {
    this.#graph = compileGraph(plan);
  }

  static async open(
    access: RunAccess,
    runId: string,
    pollMs: number,
    realNow: () => number,
  ): Promise<RunFollower> {
    const { plan, state, events } = await access.open(runId);
    const observed = await access.history(runId);
    const f = new RunFollower(
      access,
      runId,
      plan,
      state,
      pollMs,
      realNow,
      foldWatch(plan, events),
      buildDurationModels(plan, observed),
      observed.length,
    );
    f.#remember(events);
    return f;
  }

  get lastSeq(): number {
    return this.state.lastSeq;
  }

  #remember(events: readonly RunEvent[]): void {
    this.#recent.push(...events);
    if (this.#recent.length > RECENT) this.#recent.splice(0, this.#recent.length - RECENT);
  }

  /** Takes events in journal order; ignores ones already seen; reads the store when there is a gap. */
  ingest(events: readonly RunEvent[]): void {
    const fresh: RunEvent[] = [];
    for (const e of events) {
      if (e.seq <= this.state.lastSeq) continue;
      if (e.seq !== this.state.lastSeq + 1) {
        void this.refresh();
        break;
      }
      applyEvent(this.state, e);
      applyWatchEvent(this.plan, this.watch, e);
      fresh.push(e);
    }
    if (fresh.length === 0) return;
    this.#remember(fresh);
    for (const l of this.#listeners) l();
  }

  /** Reads what was appended since the last event seen (one query; concurrent callers share it). */
  refresh(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        for (;;) {
          const batch = await this.access.readEvents(this.runId, this.state.lastSeq, 1_000);
          this.ingest(batch);
          if (batch.length < 1_000) break;
        }
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /** Events after `seq` from memory, or undefined when they are older than what is kept. */
  eventsAfter(seq: number, limit: number): readonly RunEvent[] | undefined {
    if (seq >= this.state.lastSeq) return [];
    const first = this.#recent[0];
    if (first === undefined || first.seq > seq + 1) return undefined;
    const start = seq + 1 - first.seq;
    return this.#recent.slice(start, start + limit);
  }

  /**
   * The view for every client, rebuilt when the run changed or a second has passed (lateness moves): as an
   * object, as JSON, and as the encoded server-sent event every stream writes as is (encoded once, not once
   * per client).
   */
  async view(): Promise<{ view: RunView; json: string; frame: Uint8Array }> {
    const wall = this.realNow();
    const cached = this.#view;
    if (cached && cached.seq === this.state.lastSeq && wall - cached.wallMs < 1_000) return cached;
    const [nowMs, executor] = await Promise.all([
      this.access.runTime(this.state),
      this.access.executor(this.runId),
    ]);
    const ticking = this.state.status !== 'ended' && (this.state.mode === 'live' || executor !== undefined);
    let f = this.#forecast;
    if (!f || f.seq !== this.state.lastSeq || wall - f.wallMs >= FORECAST_EVERY_MS) {
      const value = forecastView(this.plan, this.#graph, this.state, this.models, this.learnedFrom, nowMs);
      f = { seq: this.state.lastSeq, wallMs: wall, value };
      this.#forecast = f;
    }
    const view = buildRunView(
      this.plan,
      this.state,
      { nowMs, serverWallMs: wall, ticking },
      executor,
      this.watch,
      f.value,
    );
    const json = JSON.stringify(view);
    const frame = encoder.encode(`event: view\ndata: ${json}\n\n`);
    this.#view = { seq: this.state.lastSeq, wallMs: wall, json, frame, view };
    return this.#view;
  }

  /** Calls `listener` after new events arrive; polls the store while anyone listens. */
  listen(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.refresh().catch(() => undefined), this.pollMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The followers of a server, one per run, opened on first use. */
export class RunFollowers {
  readonly #byRun = new Map<string, Promise<RunFollower>>();

  constructor(
    private readonly access: RunAccess,
    private readonly pollMs: number,
    private readonly realNow: () => number,
  ) {}

  async get(runId: string): Promise<RunFollower> {
    let f = this.#byRun.get(runId);
    if (!f) {
      f = RunFollower.open(this.access, runId, this.pollMs, this.realNow);
      this.#byRun.set(runId, f);
      f.catch(() => this.#byRun.delete(runId));
    }
    return f;
  }

  /** A follower that is caught up with the store (for answers that must include others' changes). */
  async fresh(runId: string): Promise<RunFollower> {
    const f = await this.get(runId);
    await f.refresh();
    return f;
  }

  async stop(): Promise<void> {
    for (const f of this.#byRun.values()) (await f.catch(() => undefined))?.stop();
  }
}
