import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtinActions } from '../../actions/builtin-actions.js';
import type { Clock } from '../../core/clock.js';
import { parseGoLive } from '../../core/plan/go-live-time.js';
import type { Plan } from '../../core/plan/plan.js';
import type { RunOutcome } from '../../core/run/run-event.js';
import { TminusError } from '../../core/tminus-error.js';
import { describePlanChanges } from '../../core/plan/plan-fingerprint.js';
import { computeSchedule } from '../../core/schedule/schedule.js';
import { tightDeadlines } from '../../core/validation/tight-deadlines.js';
import { Redactor } from '../../engine/redactor.js';
import { checkRehearsal, planHash } from '../../engine/rehearsal-gate.js';
import { ScaledClock } from '../../engine/scaled-clock.js';
import { SystemClock } from '../../engine/system-clock.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { formatIssues } from '../format-issues.js';
import { describeEvent } from '../format-event.js';
import { readPlanFile } from '../read-plan-file.js';
import { createStore, displayStore, openStore, storeLocation } from '../../store/open-store.js';
import type { RunStore } from '../../store/store.js';
import { RunSession } from '../../engine/run-session.js';
import { newRunContext, runCatalog, storeNextTo } from '../run-context.js';
import { createStyle } from '../style.js';
import type { LiveView } from '../live-view.js';
import { drive, executorOptions } from '../drive-run.js';

export interface RunOptions {
  readonly rehearsal?: boolean;
  readonly live?: boolean;
  readonly speed?: string;
  readonly goLive?: string;
  readonly autoApprove?: boolean;
  readonly dryRun?: boolean;
  readonly store?: string;
  readonly runId?: string;
  readonly concurrent?: boolean;
  readonly requireRehearsal?: boolean;
  readonly rehearsalsFrom?: readonly string[];
  /** Create the run only; `tminus worker` processes drive it. */
  readonly detach?: boolean;
}

const MAX_SPEED = 1_000_000;

function parseSpeed(text: string | undefined, live: boolean): number {
  if (text === undefined) return 1;
  const speed = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
    throw new TminusError('USAGE', `--speed: '${text}' is not a speed-up factor`, {
      hint: `a number above 0 and at most ${MAX_SPEED}, e.g. --speed 600 (10 minutes per second)`,
    });
  }
  if (live && speed !== 1) {
    throw new TminusError('USAGE', '--speed is for rehearsals: a live run follows the real clock');
  }
  return speed;
}

/** Rehearsals without --go-live put T-0 so the first phase starts now. */
function goLiveOf(plan: Plan, options: RunOptions, live: boolean, nowMs: number): number {
  if (options.goLive !== undefined) {
    const ms = parseGoLive(options.goLive, nowMs);
    if (ms === undefined) {
      throw new TminusError('USAGE', `--go-live: '${options.goLive}' is not a time`, {
        hint: 'use an ISO time with a zone (2026-12-05T02:00:00Z) or now+10m',
      });
    }
    return ms;
  }
  if (live) {
    const ms = plan.goLive === undefined ? undefined : Date.parse(plan.goLive);
    if (ms === undefined) {
      throw new TminusError('NO_GO_LIVE', 'a live run needs T-0: the plan has no goLive and none was given', {
        hint: 'add goLive: to the plan, or pass --go-live',
      });
    }
    return ms;
  }
  return nowMs - (plan.phases[0]?.atMs ?? 0);
}

/** `tminus run FILE`: starts a run and drives it in the foreground until it ends. */
export async function runCommand(file: string, options: RunOptions, io: CliIo): Promise<number> {
  if (options.live && options.rehearsal) {
    throw new TminusError('USAGE', 'choose one of --rehearsal and --live');
  }
  const live = options.live === true;
  if (live && options.autoApprove) {
    throw new TminusError('USAGE', '--auto-approve is for rehearsals only: in a live run people decide');
  }
  if (live && options.dryRun) throw new TminusError('USAGE', '--dry-run is a rehearsal: drop --live');
  const speed = parseSpeed(options.speed, live);
  const planPath = resolve(io.cwd, file);
  const actions = builtinActions();
  const { plan, issues } = await readPlanFile(planPath, { actions: runCatalog(actions) });
  if (!plan) {
    io.stderr.write(formatIssues(file, issues, createStyle(io.stderr)) + '\n');
    return EXIT.notOk;
  }
  const realNow = io.now();
  const goLiveMs = goLiveOf(plan, options, live, realNow);
  const given = options.store ?? io.env.TMINUS_STORE;
  const storePath = given !== undefined ? storeLocation(given, io.cwd) : storeNextTo(planPath);
  const store = await createStore(storePath);
  const planText = readFileSync(planPath, 'utf8');
  let rehearsal: { planHash: string; matched?: { runId: string; outcome: RunOutcome } };
  try {
    rehearsal = await gateOnRehearsal(store, plan, planText, live, options, file, io);
  } catch (e) {
    await store.close();
    throw e;
  }
  const runId =
    options.runId ??
    `${plan.name}-${new Date(realNow).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`;
  // Rehearsal time starts at `realNow` (the base of T-0) once the store is open, not before.
  const clock: Clock = live
    ? new SystemClock()
    : new ScaledClock({ atMs: realNow, realMs: io.now(), speed }, io.now);
  const anchor = { realMs: realNow, speed };
  const redactor = new Redactor();
  const view: { current?: LiveView } = {};
  try {
    const session = await RunSession.create(
      store,
      {
        runId,
        atMs: clock.now(),
        allowConcurrent: options.concurrent === true,
        started: {
          type: 'run.started',
          planName: plan.name,
          planTitle: plan.title,
          planText,
          planPath,
          mode: live ? 'live' : 'rehearsal',
          goLiveMs,
          dryRun: options.dryRun === true,
          autoApprove: options.autoApprove === true,
          comms: live ? 'on' : 'test',
          speed,
          rollbackSteps: plan.rollback.steps.map((s) => s.id),
          planHash: rehearsal.planHash,
          ...(rehearsal.matched ? { rehearsal: rehearsal.matched } : {}),
        },
      },
      await newRunContext(io, storePath, actions),
    );
    if (options.detach) {
      io.stdout.write(`run ${runId} (store ${displayStore(storePath)})\n`);
      io.stdout.write(`${describeEvent((await session.events())[0]!)}\n`);
      io.stdout.write(
        'detached: a `tminus worker` on this store drives it; follow it with `tminus status`\n',
      );
      return EXIT.ok;
    }
    const executor = await session.openExecutor(
      executorOptions(plan, clock, redactor, io, anchor, goLiveMs, view),
    );
    io.stdout.write(`run ${runId} (store ${displayStore(storePath)})\n`);
    io.stdout.write(`${describeEvent((await session.events())[0]!)}\n`);
    if (!options.autoApprove) warnTightDeadlines(plan, goLiveMs, realNow, live, io);
    return await drive(executor, plan, clock, io, view);
  } finally {
    await store.close();
  }
}

/**
 * A live run looks for an accepted rehearsal of the same plan (same content hash) in its store and in any
 * `--rehearsals-from` store: without one it warns, or refuses when the plan or the flag requires one, naming
 * what changed since the last rehearsal.
 */
async function gateOnRehearsal(
  store: RunStore,
  plan: Plan,
  planText: string,
  live: boolean,
  options: RunOptions,
  file: string,
  io: CliIo,
): Promise<{ planHash: string; matched?: { runId: string; outcome: RunOutcome } }> {
  if (!live) return { planHash: planHash(planText) };
  const imported = await Promise.all(
    (options.rehearsalsFrom ?? []).map((s) => openStore(storeLocation(s, io.cwd), 'read')),
  );
  try {
    const check = await checkRehearsal([store, ...imported], plan.name, planText);
    if (check.matched) {
      const { runId, outcome } = check.matched;
      io.stderr.write(`rehearsed: run ${runId} of this exact plan ended ${outcome}\n`);
      return { planHash: check.planHash, matched: { runId, outcome } };
    }
    const since = check.latest
      ? `; since the last rehearsal (run ${check.latest.runId}, ${check.latest.outcome}) the plan changed: ${describePlanChanges(check.latest.changes)}`
      : '';
    const message = `no rehearsal of this plan ended completed or rolled back${since}`;
    if (options.requireRehearsal || plan.requireRehearsal) {
      throw new TminusError('REHEARSAL_REQUIRED', message, {
        hint: `rehearse this version first (tminus run ${file} --rehearsal), or name a store that has one with --rehearsals-from`,
      });
    }
    io.stderr.write(`warning: ${message}\n`);
    return { planHash: check.planHash };
  } finally {
    await Promise.all(imported.map((s) => s.close()));
  }
}

/** Warns, before anything runs, about gates people would have only seconds of real time to vote on. */
function warnTightDeadlines(plan: Plan, goLiveMs: number, startMs: number, live: boolean, io: CliIo): void {
  const tight = tightDeadlines(plan, computeSchedule(plan), goLiveMs, startMs);
  for (const message of tight) io.stderr.write(`warning: ${message}\n`);
  if (tight.length > 0) {
    io.stderr.write(
      live
        ? '  give people time to vote: a later --go-live, or a later deadline in the plan\n'
        : '  the rehearsal clock runs at real time while a vote is owed, so this is all the time people get: rehearse with a later --go-live or a later deadline, or with --auto-approve\n',
    );
  }
}
