import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinActions } from '../actions/builtin-actions.js';
import { ACTION_TYPES } from '../core/action-types.js';
import type { Logger } from '../core/logger.js';
import type { RunEvent, RunOutcome } from '../core/run/run-event.js';
import { TminusError } from '../core/tminus-error.js';
import { issueToken } from '../engine/access-tokens.js';
import { holderIsDead, thisProcess } from '../engine/lease-liveness.js';
import { Redactor } from '../engine/redactor.js';
import { planHash } from '../engine/rehearsal-gate.js';
import { RunSession, type NewRunContext } from '../engine/run-session.js';
import { ScaledClock } from '../engine/scaled-clock.js';
import { SystemClock } from '../engine/system-clock.js';
import { startWarRoom, WEB_ROOT, type WarRoom } from '../server/war-room-server.js';
import { createStore } from '../store/open-store.js';
import { DemoDirector } from './demo-director.js';
import { DEMO_PLAN, demoPlanText } from './demo-plan.js';
import { Replicator } from './replicator.js';
import { seedLegacy, ShopApp } from './shop-app.js';
import { SimulatedUsers, type UserCounts } from './simulated-users.js';
import { TrafficProxy, type ProxyStats } from './traffic-proxy.js';
import { writeDemoReport } from './write-demo-report.js';

export const FAULTS = ['error-spike', 'data-drift', 'slow-task'] as const;
export type DemoFault = (typeof FAULTS)[number];

export interface DemoOptions {
  readonly fault?: DemoFault;
  /** Run-clock speed-up (default 60: the plan's 50 minutes in under a minute). */
  readonly speed?: number;
  /** Port of the war room (default: a free one). */
  readonly port?: number;
  /** Where the databases, the store and the report go (default: a new temporary directory). */
  readonly dir?: string;
  /** Narrative lines, as they happen. */
  readonly say: (line: string) => void;
  /** One event of the run, as it is appended. */
  readonly onEvent?: (event: RunEvent, goLiveMs: number) => void;
  /** Called once the war room is up, before the run starts (the CLI prints the URL and token). */
  readonly onReady?: (ready: DemoReady) => void | Promise<void>;
  /** Called after the run, before everything stops (the CLI waits for a key here when interactive). */
  readonly beforeStop?: () => Promise<void>;
}

export interface DemoReady {
  readonly dashboardUrl: string;
  /** Whether the dashboard is built (`npm run build`; `npm ci` does it): without it the war room is the API only. */
  readonly dashboardBuilt: boolean;
  readonly viewerToken: string;
  readonly dir: string;
  readonly proxyUrl: string;
  readonly legacyUrl: string;
  readonly newUrl: string;
}

/** What the demo did, as the CLI prints it and `--json` gives it. */
export interface DemoResult {
  readonly outcome: RunOutcome | undefined;
  readonly endReason: string | undefined;
  readonly runId: string;
  readonly fault: DemoFault | undefined;
  readonly dir: string;
  readonly store: string;
  readonly dashboardUrl: string;
  readonly reportPath: string;
  readonly planPath: string;
  readonly realMs: number;
  readonly users: UserCounts;
  readonly proxy: ProxyStats;
  /** Changes the replication carried from legacy to new after the initial load. */
  readonly replicated: number;
  /** Orders written on each side during the demo. */
  readonly writes: { readonly legacy: number; readonly new: number };
  /** The data comparison's verdict (its message when it found differences), and its report file. */
  readonly dataValidation:
    { readonly ok: boolean; readonly summary: string; readonly report: string } | undefined;
  /** Steps that were held for a person, and how each was settled. */
  readonly holds: readonly { readonly step: string; readonly reason: string; readonly settled: string }[];
  readonly rollback:
    { readonly by: string; readonly reason: string; readonly criterion?: string } | undefined;
  /** What the simulated people did through the run session. */
  readonly team: readonly { readonly person: string; readonly what: string }[];
  /** The traffic split the proxy ended with. */
  readonly finalWeights: Readonly<Record<string, number>>;
  readonly problems: readonly string[];
}

const SEED = { customers: 40, orders: 400 } as const;
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Resources to release, last started first; every one is released even when one fails. */
class Stack {
  readonly #items: (() => Promise<void> | void)[] = [];
  push(fn: () => Promise<void> | void): void {
    this.#items.push(fn);
  }
  async release(): Promise<void> {
    while (this.#items.length > 0) {
      try {
        await this.#items.pop()!();
      } catch {
        // keep releasing the others
      }
    }
  }
}

/**
 * `tminus demo`: a legacy shop and its new version (each on its own SQLite file, the new one loaded from the
 * legacy data and kept up by a replicator), the built-in proxy in front, simulated users the whole time, the
 * war room, and `demo/plan.yaml` rehearsed at `speed` by the real engine while a simulated team acts through
 * the run session. `fault` shows what tminus does when things go wrong.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const speed = options.speed ?? 60;
  const fault = options.fault;
  const say = options.say;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tminus-demo-'));
  const stack = new Stack();
  const realStart = performance.now();
  try {
    const legacyDb = join(dir, 'legacy.db');
    const newDb = join(dir, 'new.db');
    seedLegacy(legacyDb, SEED);
    const legacy = await new ShopApp('legacy', legacyDb).start();
    stack.push(() => legacy.close());
    const replicator = await Replicator.start(legacyDb, newDb, {
      faults: fault === 'data-drift' ? { dropTotals: true } : {},
    });
    stack.push(() => replicator.close());
    const fresh = await new ShopApp('new', newDb).start();
    stack.push(() => fresh.close());
    const proxy = await new TrafficProxy({
      servers: [
        { name: 'legacy', url: legacy.url, weight: 100, state: 'ready' },
        { name: 'new', url: fresh.url, weight: 0, state: 'ready' },
        { name: 'hold', weight: 1, state: 'maint' },
      ],
    }).start();
    stack.push(() => proxy.close());
    say(
      `legacy shop   ${legacy.url}  (SQLite ${legacyDb}: ${SEED.customers} customers, ${SEED.orders} orders)`,
    );
    say(
      `new shop      ${fresh.url}  (SQLite ${newDb}, loaded from legacy; replication at ${replicator.url})`,
    );
    say(`switch        ${proxy.url}  (built-in proxy, admin ${proxy.adminUrl}): legacy 100 %, new 0 %`);

    const planPath = join(dir, 'plan.yaml');
    const planText = demoPlanText(readFileSync(DEMO_PLAN, 'utf8'), {
      proxy: proxy.url,
      proxyAdmin: proxy.adminUrl,
      newApp: fresh.url,
      replication: replicator.url,
      dir,
    });
    writeFileSync(planPath, planText);

    const storePath = join(dir, 'tminus.db');
    const store = await createStore(storePath);
    stack.push(() => store.close());
    const { token } = await issueToken(store, { person: 'guest', role: 'viewer' }, Date.now());
    const room: WarRoom = await startWarRoom({
      store,
      port: options.port ?? 0,
      bind: '127.0.0.1',
      where: storePath,
      logger: quiet,
    }).catch((cause: unknown) => {
      throw new TminusError(
        'USAGE',
        (cause as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `--port: ${options.port} on 127.0.0.1 is already in use`
          : `cannot start the war room: ${(cause as Error).message}`,
        { cause },
      );
    });
    stack.push(() => room.close());

    const users = new SimulatedUsers({
      url: proxy.url,
      users: 6,
      seededOrders: SEED.orders,
      customers: SEED.customers,
      thinkMs: 120,
    }).start();
    let usersStopped: UserCounts | undefined;
    stack.push(async () => {
      usersStopped ??= await users.stop();
    });
    await options.onReady?.({
      dashboardUrl: room.url,
      dashboardBuilt: existsSync(WEB_ROOT),
      viewerToken: token,
      dir,
      proxyUrl: proxy.url,
      legacyUrl: legacy.url,
      newUrl: fresh.url,
    });
    // The run starts once users have written something the final sync must carry.
    await users.writesReached(10);
    say(`users         6 simulated shoppers through the switch (${users.counts().writes} writes so far)`);
    if (fault) say(`fault         ${describeFault(fault)}`);

    const actions = builtinActions();
    const ctx: NewRunContext = {
      actions,
      catalog: actions.catalog(ACTION_TYPES),
      env: process.env,
      realNow: () => Date.now(),
      where: storePath,
    };
    const { loadPlan } = await import('../core/plan/load-plan.js');
    const loaded = loadPlan(planText, { actions: ctx.catalog });
    if (!loaded.plan) {
      throw new TminusError(
        'STORE_CORRUPT',
        `the demo plan does not load: ${loaded.issues[0]?.message ?? '?'}`,
      );
    }
    const plan = loaded.plan;
    const realNow = Date.now();
    const goLiveMs = realNow - (plan.phases[0]?.atMs ?? 0);
    const clock = new ScaledClock({ atMs: realNow, realMs: realNow, speed }, () => Date.now());
    const runId = `shop-demo-${new Date(realNow).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`;
    const session = await RunSession.create(
      store,
      {
        runId,
        atMs: clock.now(),
        allowConcurrent: true,
        started: {
          type: 'run.started',
          planName: plan.name,
          planTitle: plan.title,
          planText,
          planPath,
          mode: 'rehearsal',
          goLiveMs,
          dryRun: false,
          autoApprove: false,
          comms: 'test',
          speed,
          rollbackSteps: plan.rollback.steps.map((s) => s.id),
          planHash: planHash(planText),
        },
      },
      ctx,
    );
    const team = await RunSession.open(store, { runId }, ctx);
    const holds: { step: string; reason: string; settled: string }[] = [];
    const director = new DemoDirector(team, {
      say,
      ahead: {
        after: 'prepare',
        next: 'switch',
        by: 'alice',
        reason:
          'ahead of plan: the data is validated, so the switch starts now instead of keeping users held',
      },
      onHold: (step) => {
        const reason = team.state.steps[step]?.error?.message ?? 'held';
        if (fault === 'slow-task' && step === 'final-sync') {
          replicator.restart();
          holds.push({ step, reason, settled: 'carol restarted the stalled replication task and retried' });
          return 'the replication task is stuck; restarting it, then retrying final-sync';
        }
        holds.push({ step, reason, settled: 'retried by its owner' });
        return undefined;
      },
    });
    const anchor = { realMs: realNow, speed };
    let shownGoLiveMs = goLiveMs;
    const executor = await session.openExecutor({
      clock,
      redactor: new Redactor(),
      logger: quiet,
      pollMs: 100 * speed,
      timeoutClock: new SystemClock(),
      lease: { holder: thisProcess(), clock: new SystemClock(), ttlMs: 10_000, holderIsDead },
      clockAnchor: anchor,
      onEvent: (e) => {
        if (e.data.type === 'run.rebaselined') shownGoLiveMs = e.data.goLiveMs;
        options.onEvent?.(e, shownGoLiveMs);
        injectFault(fault, e, { replicator, fresh, say });
        director.wake(e);
      },
    });
    director.wake();
    const outcome = await executor.run();
    await director.idle();
    const counts = await users.stop();
    usersStopped = counts;
    await options.beforeStop?.();
    const state = await team.refresh();
    const validation = state.steps['validate-data'];
    const reportPath = await writeDemoReport(team, dir);
    const settings = proxy.settings();
    const result: Omit<DemoResult, 'problems'> = {
      outcome,
      endReason: state.endReason,
      runId,
      fault,
      dir,
      store: storePath,
      dashboardUrl: room.url,
      reportPath,
      planPath,
      realMs: Math.round(performance.now() - realStart),
      users: counts,
      proxy: proxy.stats(),
      replicated: replicator.carried,
      writes: { legacy: legacy.writes, new: fresh.writes },
      dataValidation:
        validation?.status === 'succeeded' || validation?.error
          ? {
              ok: validation.status === 'succeeded',
              summary: validation.error?.message ?? validation.summary ?? '',
              report: join(dir, 'reconciliation.md'),
            }
          : undefined,
      holds,
      rollback: state.rollback
        ? {
            by: state.rollback.by,
            reason: state.rollback.reason,
            ...(state.rollback.criterionId ? { criterion: state.rollback.criterionId } : {}),
          }
        : undefined,
      team: director.actions,
      finalWeights: Object.fromEntries(
        Object.entries(settings).flatMap(([n, s]) =>
          s.backup || s.state !== 'ready' ? [] : [[n, s.weight]],
        ),
      ),
    };
    return { ...result, problems: problemsOf(result, director.errors) };
  } finally {
    await stack.release();
  }
}

function describeFault(fault: DemoFault): string {
  switch (fault) {
    case 'error-spike':
      return 'error-spike: once users are on it, the new version fails every write (its database user is read-only)';
    case 'data-drift':
      return 'data-drift: the replication loses the total of every order created after the initial load';
    case 'slow-task':
      return 'slow-task: the replication task stalls once maintenance starts, so the final sync cannot finish';
  }
}

/** Turns a fault on at the moment of the run it belongs to. */
function injectFault(
  fault: DemoFault | undefined,
  e: RunEvent,
  parts: { replicator: Replicator; fresh: ShopApp; say: (line: string) => void },
): void {
  if (e.data.type !== 'step.succeeded') return;
  if (fault === 'slow-task' && e.data.stepId === 'maintenance-on') {
    parts.replicator.stall();
    parts.say('fault: the replication task stalls');
  }
  if (fault === 'error-spike' && e.data.stepId === 'verify-new') {
    parts.fresh.faults.writesFail = true;
    parts.say('fault: the new version starts failing every write');
  }
}

/** What the demo promises for its fault (none: completed), checked on what happened. */
export function problemsOf(r: Omit<DemoResult, 'problems'>, teamErrors: readonly string[]): string[] {
  const p: string[] = [];
  if (r.users.failed > 0) {
    p.push(`${r.users.failed} of ${r.users.requests} user requests failed: ${r.users.failures.join('; ')}`);
  }
  const want = r.fault === 'error-spike' || r.fault === 'data-drift' ? 'rolled-back' : 'completed';
  if (r.outcome !== want) p.push(`the run ended ${r.outcome ?? 'without an outcome'}, expected ${want}`);
  if (r.fault === 'error-spike' && r.rollback?.criterion !== 'errors') {
    p.push('the rollback was not started by the error-rate criterion');
  }
  if (
    r.fault === 'data-drift' &&
    (r.dataValidation?.ok !== false || r.rollback?.criterion !== 'data-differs')
  ) {
    p.push('the data comparison did not report the differences that rolled the run back');
  }
  if (r.fault === 'slow-task' && !r.holds.some((h) => h.step === 'final-sync')) {
    p.push('final-sync was never held for its owner');
  }
  const side = want === 'completed' ? 'new' : 'legacy';
  if (r.finalWeights[side] === undefined || (r.finalWeights[side] ?? 0) === 0) {
    p.push(`users are not on ${side} at the end: ${JSON.stringify(r.finalWeights)}`);
  }
  for (const e of teamErrors) p.push(`the simulated team was refused: ${e}`);
  return p;
}
