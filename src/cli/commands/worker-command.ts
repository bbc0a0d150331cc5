import { parseDuration } from '../../core/plan/duration.js';
import type { Logger } from '../../core/logger.js';
import { TminusError } from '../../core/tminus-error.js';
import { describeEvent } from '../../core/run/describe-event.js';
import { DEFAULT_MAX_STEPS, RunWorker } from '../../engine/run-worker.js';
import { hasStepClaims } from '../../store/store.js';
import { displayStore, openStore } from '../../store/open-store.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { findStorePath, sessionContext } from '../run-context.js';

export interface WorkerFlags {
  readonly store?: string;
  readonly leaseTtl?: string;
  readonly poll?: string;
  readonly maxRuns?: string;
  readonly maxSteps?: string;
  /** Commander's `--no-listen`. */
  readonly listen?: boolean;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;
const DEFAULT_POLL_MS = 1_000;
const MIN_LEASE_TTL_MS = 2_000;

/** `250ms`, `1s`, `1m30s`: a duration that may be under a second. */
function parseInterval(flag: string, text: string, minMs: number): number {
  const ms = /^\d+ms$/.test(text) ? Number(text.slice(0, -2)) : parseDuration(text);
  if (ms === undefined || ms < minMs) {
    throw new TminusError('USAGE', `${flag}: '${text}' is not a duration of at least ${minMs} ms`, {
      hint: `e.g. ${flag} ${flag === '--poll' ? '500ms' : '15s'} (units ms, s, m, h)`,
    });
  }
  return ms;
}

function parseCount(flag: string, what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 1000) {
    throw new TminusError('USAGE', `${flag}: '${text}' is not a number of ${what} from 0 to 1000`);
  }
  return n;
}

function workerLogger(io: CliIo): Logger {
  const line = (level: string) => (message: string) => {
    if (level !== 'debug' || io.env.TMINUS_DEBUG) io.stderr.write(`worker ${level}: ${message}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * `tminus worker`: drives the unfinished runs of a shared store alongside any number of other workers
 * (and `tminus serve`), taking over the runs of a worker that died once its lease runs out. Stops on
 * SIGINT/SIGTERM without writing anything more.
 */
export async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const leaseTtlMs =
    flags.leaseTtl === undefined
      ? DEFAULT_LEASE_TTL_MS
      : parseInterval('--lease-ttl', flags.leaseTtl, MIN_LEASE_TTL_MS);
  const pollMs = flags.poll === undefined ? DEFAULT_POLL_MS : parseInterval('--poll', flags.poll, 10);
  const maxRuns = flags.maxRuns === undefined ? 8 : parseCount('--max-runs', 'runs', flags.maxRuns);
  const maxSteps =
    flags.maxSteps === undefined ? DEFAULT_MAX_STEPS : parseCount('--max-steps', 'steps', flags.maxSteps);
  if (maxRuns === 0 && maxSteps === 0) {
    throw new TminusError('USAGE', '--max-runs 0 with --max-steps 0: this worker would do nothing');
  }
  const listen = flags.listen !== false && io.env.TMINUS_LISTEN !== 'off';
  const storePath = findStorePath(flags, io);
  const store = await openStore(storePath);
  const logger = workerLogger(io);
  const stop = new AbortController();
  const onSignal = () => {
    logger.info('stopping: runs driven here are left to other workers once their leases run out');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    logger.info(
      `pid ${process.pid} on ${displayStore(storePath)}: lease ${leaseTtlMs} ms, poll ${pollMs} ms, up to ${maxRuns} runs${hasStepClaims(store) ? ` and ${maxSteps} steps` : ''}${listen ? '' : ', poll only'}`,
    );
    const worker = new RunWorker({
      store,
      ctx: await sessionContext(io, storePath),
      logger,
      leaseTtlMs,
      pollMs,
      maxRuns,
      maxSteps,
      listen,
      onEvent: (e) => io.stdout.write(`${e.runId} #${e.seq} ${describeEvent(e)}\n`),
      onRunEnded: (runId, outcome, error) =>
        outcome === 'stopped'
          ? logger.warn(`run ${runId}: stopped: ${error?.message ?? 'stopped'}`)
          : logger.info(`run ${runId}: ended ${outcome}`),
    });
    await worker.run(stop.signal);
    return EXIT.ok;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await store.close();
  }
}
