import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { ActionRegistry } from '../actions/action-registry.js';
import { ACTION_TYPES } from '../core/action-types.js';
import type { Origin } from '../core/run/run-event.js';
import { TminusError } from '../core/tminus-error.js';
import type { ActionCatalog } from '../core/validation/validate-references.js';
import type { StoreAccess } from '../store/open-store.js';
import { displayStore, openStore, storeLocation } from '../store/open-store.js';
import type { RunRef } from '../engine/run-selection.js';
import type { NewRunContext, SessionContext } from '../engine/run-session.js';
import { RunSession } from '../engine/run-session.js';
import type { ActionLookup } from '../engine/run-action.js';
import type { RunStore } from '../store/store.js';
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

/** What validation needs to accept every action of the v1 vocabulary and check the ones built in. */
export function runCatalog(registry: ActionRegistry): ActionCatalog {
  return registry.catalog(ACTION_TYPES);
}

/** What a session opened to read needs of actions: none, it runs none and creates no run. */
const NO_ACTIONS: ActionLookup = { get: () => undefined };

/**
 * What a run session that opens runs needs from this process. Of the built-in actions (their parameter
 * schemas, hence zod) a session that may write loads those its run's plan uses, as it opens the run
 * (`tminus resume` of a plan of shell tasks loads the shell action alone); `tminus status` and other
 * readers load none. A session that creates a run adds the catalog its plan was checked against.
 */
export async function sessionContext(
  io: CliIo,
  storePath: string,
  access: StoreAccess = 'write',
): Promise<SessionContext> {
  const base = { env: io.env, realNow: io.now, where: displayStore(storePath) };
  if (access === 'read') return { ...base, actions: NO_ACTIONS };
  const { lazyBuiltinActions } = await import('../actions/builtin-action-loaders.js');
  return { ...base, actions: lazyBuiltinActions() };
}

/** What a session that creates a run needs: every built-in action, and the catalog its plan is checked against. */
export async function newRunContext(
  io: CliIo,
  storePath: string,
  registry?: ActionRegistry,
): Promise<NewRunContext> {
  const actions = registry ?? (await import('../actions/builtin-actions.js')).builtinActions();
  return {
    env: io.env,
    realNow: io.now,
    where: displayStore(storePath),
    actions,
    catalog: runCatalog(actions),
  };
}

/** Where a command typed in this terminal comes from, recorded beside the person in the journal. */
export function cliOrigin(): Origin {
  let osUser: string;
  try {
    osUser = userInfo().username;
  } catch {
    osUser = process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return { via: 'cli', osUser, host: hostname(), pid: process.pid };
}

export interface OpenedSession {
  readonly store: RunStore;
  readonly storePath: string;
  readonly session: RunSession;
}

/**
 * Opens the store and the run a command means (`--run ID`, else the most recent; `unfinished` for resume)
 * and says on stderr which run it acts on, so --json output stays clean. The caller closes `store`.
 */
export async function openSession(
  options: StoreOptions,
  io: CliIo,
  ref: Omit<RunRef, 'runId'> = {},
  access: StoreAccess = 'write',
): Promise<OpenedSession> {
  const storePath = findStorePath(options, io);
  const store = await openStore(storePath, access);
  try {
    const session = await RunSession.open(
      store,
      { ...ref, ...(options.run === undefined ? {} : { runId: options.run }) },
      await sessionContext(io, storePath, access),
    );
    const s = session.state;
    io.stderr.write(
      `run ${s.runId} (plan ${s.planName}, ${s.mode}, ${s.status === 'ended' ? `ended: ${s.outcome ?? 'ended'}` : s.status}) in ${displayStore(storePath)}\n`,
    );
    return { store, storePath, session };
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
