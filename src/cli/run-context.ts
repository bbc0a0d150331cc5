import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { builtinActions } from '../actions/builtin-actions.js';
import type { ActionRegistry } from '../actions/action-registry.js';
import { ACTION_TYPES } from '../core/action-types.js';
import { loadPlan } from '../core/load-plan.js';
import type { Plan } from '../core/plan.js';
import type { RunEvent } from '../core/run-event.js';
import type { RunState } from '../core/run-state.js';
import { foldRun } from '../core/run-state.js';
import { TminusError } from '../core/tminus-error.js';
import type { ActionCatalog } from '../core/validate-references.js';
import type { LeaseHolder, RunStore } from '../store/store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import type { CliIo } from './cli-io.js';

/** Options every run command accepts. */
export interface StoreOptions {
  readonly store?: string;
  readonly run?: string;
}

export const STORE_DIR = '.tminus';
export const STORE_FILE = 'tminus.db';

/** The store next to a plan file: `.tminus/tminus.db` in the plan's directory. */
export const storeNextTo = (planPath: string): string => join(dirname(planPath), STORE_DIR, STORE_FILE);

/**
 * Where the store is: `--store`, then `TMINUS_STORE`, then `.tminus/tminus.db` in the current directory or
 * the nearest parent that has one.
 */
export function findStorePath(options: StoreOptions, io: CliIo): string {
  const given = options.store ?? io.env.TMINUS_STORE;
  if (given) return storeLocation(given, io.cwd);
  for (let dir = io.cwd; ; dir = dirname(dir)) {
    const candidate = join(dir, STORE_DIR, STORE_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new TminusError('RUN_NOT_FOUND', `no tminus store here (${join(io.cwd, STORE_DIR, STORE_FILE)})`, {
    hint: 'run this next to the plan you started with `tminus run`, or pass --store PATH / TMINUS_STORE',
  });
}

/** A `postgres://` or `postgresql://` URL names the shared PostgreSQL store; anything else is a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//.test(location);

/**
 * The store a `--store` / `TMINUS_STORE` value names: a PostgreSQL URL as given, a SQLite file resolved
 * against `cwd`. Any other `scheme://` is refused rather than taken for a file name.
 */
export function storeLocation(given: string, cwd: string): string {
  if (isPostgresUrl(given)) return given;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(given)?.[1];
  if (scheme !== undefined) {
    throw new TminusError(
      'USAGE',
      `--store: '${displayStore(given)}' is not a store tminus can keep runs in`,
      {
        hint: `${scheme}:// is not supported: give a SQLite file path (e.g. .tminus/tminus.db) or a postgres:// URL`,
      },
    );
  }
  return resolve(cwd, given);
}

/** How a command uses the store: reading commands open it read-only, so a user who may not write can look. */
export type StoreAccess = 'read' | 'write';

/** Opens an existing store (a SQLite file must exist; a PostgreSQL database is set up on first use). */
export async function openStore(location: string, access: StoreAccess = 'write'): Promise<RunStore> {
  if (isPostgresUrl(location)) return PostgresStore.open(location);
  if (!existsSync(location)) {
    throw new TminusError('RUN_NOT_FOUND', `no tminus store at ${location}`, {
      hint: 'start a run with `tminus run PLAN`',
    });
  }
  return SqliteStore.open(location, { readonly: access === 'read' });
}

/** Opens or creates the store a new run goes into. */
export const createStore = (location: string): Promise<RunStore> =>
  isPostgresUrl(location) ? PostgresStore.open(location) : Promise.resolve(SqliteStore.open(location));

/** Where a store is, for messages: never a PostgreSQL password. */
export const displayStore = (location: string): string =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(location)
    ? location.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
    : location;

/** What validation needs to accept every action of the v1 vocabulary and check the ones built in. */
export function runCatalog(registry: ActionRegistry): ActionCatalog {
  const own = registry.catalog();
  return { types: [...new Set([...ACTION_TYPES, ...own.types])], checkParams: own.checkParams };
}

export interface OpenedRun {
  readonly store: RunStore;
  readonly storePath: string;
  readonly runId: string;
  readonly plan: Plan;
  readonly events: readonly RunEvent[];
  readonly state: RunState;
  readonly actions: ActionRegistry;
}

/** Opens a run (`--run ID`, else the most recent) with the plan text it was started with. */
export async function openRun(
  options: StoreOptions,
  io: CliIo,
  prefer?: 'unended',
  access: StoreAccess = 'write',
): Promise<OpenedRun> {
  const storePath = findStorePath(options, io);
  const store = await openStore(storePath, access);
  try {
    const runs = await store.listRuns();
    let runId = options.run;
    if (runId === undefined) {
      runId = (prefer === 'unended' ? runs.find((r) => !r.ended) : undefined)?.runId ?? runs[0]?.runId;
      if (runId === undefined) {
        throw new TminusError('RUN_NOT_FOUND', `no runs in ${displayStore(storePath)}`);
      }
    } else if (!runs.some((r) => r.runId === runId)) {
      throw new TminusError('RUN_NOT_FOUND', `no run '${runId}' in ${displayStore(storePath)}`, {
        hint: runs.length
          ? `runs: ${runs
              .slice(0, 5)
              .map((r) => r.runId)
              .join(', ')}`
          : undefined,
      });
    }
    const events = await store.readEvents(runId);
    const state = foldRun(events);
    const actions = builtinActions();
    const { plan, issues } = loadPlan(state.planText, { actions: runCatalog(actions) });
    if (!plan) {
      const first = issues.find((i) => i.severity === 'error');
      throw new TminusError(
        'STORE_CORRUPT',
        `the plan stored with run ${runId} no longer loads: ${first ? `${first.position?.line ?? '?'}:${first.position?.col ?? '?'} ${first.message}` : 'unknown problem'}`,
      );
    }
    return { store, storePath, runId, plan, events, state, actions };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The person acting: `--as`, else `TMINUS_AS`. */
export function personOf(as: string | undefined, io: CliIo): string {
  const person = as ?? io.env.TMINUS_AS;
  if (!person) {
    throw new TminusError('USAGE', 'say who is acting with --as PERSON (or set TMINUS_AS)', {
      hint: 'every human action is recorded under a person and checked against the plan roles',
    });
  }
  return person;
}

/** The run's time now, from its clock anchor (virtual in sped-up rehearsals, wall-clock in live runs). */
export const runNow = (state: RunState, realNowMs: number): number =>
  Math.round(state.clockAnchor.atMs + (realNowMs - state.clockAnchor.realMs) * state.clockAnchor.speed);

/**
 * The run's time as the executor will see it: a rehearsal's clock stands still while no executor drives it
 * (it resumes from the last event), a live run's clock is the wall clock.
 */
export async function currentRunTime(store: RunStore, state: RunState, realNowMs: number): Promise<number> {
  if (state.mode === 'live') return runNow(state, realNowMs);
  const lease = await store.leaseOf(state.runId);
  const driven = lease !== undefined && lease.expiresAtMs > realNowMs && !holderIsDead(lease.holder);
  return driven ? Math.max(state.lastAtMs, runNow(state, realNowMs)) : state.lastAtMs;
}

/** This process as a lease holder. */
export const thisProcess = (): LeaseHolder => ({
  id: `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`,
  pid: process.pid,
  host: hostname(),
});

/** A lease held by a process of this host that no longer exists can be taken over at once. */
export function holderIsDead(holder: LeaseHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
