import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtinActions } from '../../actions/builtin-actions.js';
import { ACTION_TYPES } from '../../core/action-types.js';
import { forwardChanges, undoes } from '../../core/rollback/rollback-coverage.js';
import type { DurationModelOptions } from '../../core/schedule/duration-model.js';
import { DEFAULT_MODEL_OPTIONS, buildDurationModels } from '../../core/schedule/duration-model.js';
import { runForecast } from '../../core/schedule/forecast.js';
import { parseGoLive } from '../../core/plan/go-live-time.js';
import type { Plan } from '../../core/plan/plan.js';
import type { RunState } from '../../core/run/run-state.js';
import { TminusError } from '../../core/tminus-error.js';
import { readPlanHistory } from '../../engine/run-history.js';
import type { RunStore } from '../../store/store.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { formatForecast, forecastJson } from '../format-forecast.js';
import { formatIssues } from '../format-issues.js';
import { readPlanFile } from '../read-plan-file.js';
import { displayStore, isPostgresUrl, openStore } from '../../store/open-store.js';
import { openSession, storeNextTo } from '../run-context.js';
import { createStyle } from '../style.js';

export interface ForecastFlags {
  readonly store?: string;
  readonly run?: string;
  readonly from?: readonly string[];
  readonly samples?: string;
  readonly seed?: string;
  readonly spread?: string;
  readonly minSamples?: string;
  readonly goLive?: string;
  readonly json?: boolean;
}

export const DEFAULT_SAMPLES = 10_000;
const MAX_SAMPLES = 1_000_000;

function wholeNumber(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TminusError('USAGE', `${flag}: '${text}' is not a whole number from ${min} to ${max}`, {
      hint: `e.g. ${flag} ${Math.max(min, Math.min(max, fallback))}`,
    });
  }
  return value;
}

function spreadOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MODEL_OPTIONS.spread;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value >= 0 && value <= 1)) {
    throw new TminusError('USAGE', `--spread: '${text}' is not a fraction from 0 to 1`, {
      hint: '--spread 0.2: a task without enough history takes 0.8 to 1.4 times its estimate',
    });
  }
  return value;
}

/** Where the plan's own runs are: --store, TMINUS_STORE, else the store next to the plan (if any yet). */
function ownStore(flags: ForecastFlags, io: CliIo, planPath: string): string | undefined {
  const given = flags.store ?? io.env.TMINUS_STORE;
  if (given) return isPostgresUrl(given) ? given : resolve(io.cwd, given);
  const next = storeNextTo(planPath);
  return existsSync(next) ? next : undefined;
}

interface Subject {
  readonly plan: Plan;
  readonly storePath: string | undefined;
  readonly store: RunStore | undefined;
  readonly live?: { readonly state: RunState; readonly nowMs: number };
}

async function subjectOf(
  file: string | undefined,
  flags: ForecastFlags,
  io: CliIo,
): Promise<Subject | number> {
  if (file !== undefined) {
    if (flags.run !== undefined) {
      throw new TminusError(
        'USAGE',
        `give a plan file or --run, not both ('${file}' and --run '${flags.run}')`,
        {
          hint: 'a plan file forecasts before a run; --run forecasts a run from where it is now',
        },
      );
    }
    const path = resolve(io.cwd, file);
    const { plan, issues } = await readPlanFile(path);
    if (!plan) {
      io.stderr.write(formatIssues(file, issues, createStyle(io.stderr)) + '\n');
      return EXIT.notOk;
    }
    const storePath = ownStore(flags, io, path);
    return { plan, storePath, store: storePath === undefined ? undefined : await openStore(storePath) };
  }
  const {
    store: runStore,
    storePath: runStorePath,
    session,
  } = await openSession(flags, io, { unfinished: true }, 'read');
  const opened = { store: runStore, storePath: runStorePath, plan: session.plan, state: session.state };
  if (opened.state.status === 'ended') {
    await opened.store.close();
    throw new TminusError(
      'USAGE',
      `run ${opened.state.runId} has ended (${opened.state.outcome ?? 'ended'}): there is nothing left to forecast`,
      { hint: 'forecast the next run of its plan with `tminus forecast PLAN`' },
    );
  }
  const nowMs = await session.now();
  return {
    plan: session.plan,
    storePath: opened.storePath,
    store: opened.store,
    live: { state: session.state, nowMs },
  };
}

/**
 * `tminus forecast [PLAN | --run ID] [--samples N] [--seed S] [--from STORE]… [--json]`: P50/P90 end times,
 * the chance to finish inside the window and before the point of no return, from durations learned in
 * earlier runs of the plan; during a run, from where the run is now.
 */
export async function forecastCommand(
  file: string | undefined,
  flags: ForecastFlags,
  io: CliIo,
): Promise<number> {
  const samples = wholeNumber('--samples', flags.samples, DEFAULT_SAMPLES, 1, MAX_SAMPLES);
  const seed = wholeNumber('--seed', flags.seed, 1, 0, 2 ** 31 - 1);
  const options: DurationModelOptions = {
    spread: spreadOf(flags.spread),
    minSamples: wholeNumber('--min-samples', flags.minSamples, DEFAULT_MODEL_OPTIONS.minSamples, 1, 1000),
  };
  const fromLocations = (flags.from ?? []).map((f) => (isPostgresUrl(f) ? f : resolve(io.cwd, f)));
  for (const f of fromLocations) {
    if (!isPostgresUrl(f) && !existsSync(f)) {
      throw new TminusError('FILE_NOT_FOUND', `--from: no tminus store at '${f}'`, {
        hint: 'give the .tminus/tminus.db of another checkout, or a postgres:// URL',
      });
    }
  }
  const givenGoLiveMs = flags.goLive === undefined ? undefined : parseGoLive(flags.goLive, io.now());
  if (flags.goLive !== undefined && givenGoLiveMs === undefined) {
    throw new TminusError('USAGE', `--go-live: '${flags.goLive}' is not a time`, {
      hint: 'use an ISO time with a zone (2026-12-05T02:00:00Z) or now+10m',
    });
  }
  const subject = await subjectOf(file, flags, io);
  if (typeof subject === 'number') return subject;
  const stores: RunStore[] = subject.store ? [subject.store] : [];
  try {
    for (const f of fromLocations) stores.push(await openStore(f));
    const history = await readPlanHistory(stores, subject.plan, {
      excludeRunId: subject.live?.state.runId,
    });
    const models = buildDurationModels(subject.plan, history.observed, options);
    const catalog = builtinActions().catalog(ACTION_TYPES);
    const guarded = forwardChanges(subject.plan, catalog)
      .filter((change) => subject.plan.rollback.steps.some((step) => undoes(step, change, catalog)))
      .map((change) => change.task.id);
    const forecast = runForecast(subject.plan, models, { samples, seed, live: subject.live, guarded });
    const planGoLive = subject.plan.goLive;
    const goLiveMs =
      subject.live?.state.goLiveMs ??
      givenGoLiveMs ??
      (planGoLive === undefined ? undefined : parseGoLive(planGoLive, io.now()));
    const report = {
      plan: subject.plan,
      forecast,
      models,
      history,
      options,
      goLiveMs,
      sources: [
        ...(subject.storePath === undefined ? [] : [displayStore(subject.storePath)]),
        ...fromLocations.map(displayStore),
      ],
      live: subject.live && {
        runId: subject.live.state.runId,
        nowMs: subject.live.nowMs - subject.live.state.goLiveMs,
      },
    };
    if (flags.json) io.stdout.write(JSON.stringify(forecastJson(report), null, 2) + '\n');
    else io.stdout.write(formatForecast(report, createStyle(io.stdout)) + '\n');
    return EXIT.ok;
  } finally {
    for (const s of stores) await s.close();
  }
}
