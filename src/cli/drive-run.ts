import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunEvent, RunOutcome } from '../core/run/run-event.js';
import { holderIsDead, thisProcess } from '../engine/lease-liveness.js';
import type { Redactor } from '../engine/redactor.js';
import type { RunExecutor } from '../engine/run-executor.js';
import { SystemClock } from '../engine/system-clock.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './cli-io.js';
import { formatEvent } from './format-event.js';
import { LiveView } from './live-view.js';
import { createStyle } from './style.js';

/** Real milliseconds between looks at the journal for what other terminals appended. */
const POLL_REAL_MS = 150;
const LEASE_TTL_MS = 10_000;

function cliLogger(io: CliIo, redactor: Redactor): Logger {
  const line = (level: string) => (message: string) => {
    if (level !== 'debug' || io.env.TMINUS_DEBUG) {
      io.stderr.write(`  ${level}: ${redactor.redact(message)}\n`);
    }
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * The options of an executor driven in this terminal: events printed as they come (or shown in the live view),
 * a lease renewed for this process. Shared by `tminus run` and `tminus resume`, in a module of its own so that
 * resume loads none of what starting a run needs (the plan's validation, every built-in action).
 */
export function executorOptions(
  plan: Plan,
  clock: Clock,
  redactor: Redactor,
  io: CliIo,
  /** Written when the executor attaches (a rehearsal's paced clock anchors itself exactly instead). */
  anchor: { realMs: number; speed: number },
  initialGoLiveMs?: number,
  view?: { current?: LiveView },
) {
  const style = createStyle(io.stdout);
  let goLiveMs: number | undefined = initialGoLiveMs;
  return {
    clock,
    redactor,
    logger: cliLogger(io, redactor),
    pollMs: POLL_REAL_MS * anchor.speed,
    timeoutClock: new SystemClock(),
    lease: { holder: thisProcess(), clock: new SystemClock(), ttlMs: LEASE_TTL_MS, holderIsDead },
    clockAnchor: anchor,
    onEvent: (e: RunEvent) => {
      if (e.data.type === 'run.started' || e.data.type === 'run.rebaselined') goLiveMs = e.data.goLiveMs;
      if (view?.current) view.current.onEvent(e, goLiveMs ?? e.atMs);
      else io.stdout.write(formatEvent(e, goLiveMs ?? e.atMs, style) + '\n');
    },
  };
}

/** Drives the run to its end, with the live view on a terminal; Ctrl-C detaches without writing anything. */
export async function drive(
  executor: RunExecutor,
  plan: Plan,
  clock: Clock,
  io: CliIo,
  view: { current?: LiveView },
): Promise<number> {
  const tty = io.stdout.isTTY === true && !io.env.CI && io.env.TMINUS_VIEW !== 'plain';
  if (tty) {
    view.current = new LiveView(
      (t) => io.stdout.write(t),
      createStyle(io.stdout),
      plan,
      () => executor.state,
      () => clock.now(),
      () => ({ columns: io.stdout.columns || 80, rows: io.stdout.rows || 24 }),
    );
    view.current.start();
  }
  let detached = false;
  const detach = () => {
    detached = true;
    executor.crash();
    io.stderr.write('\nexecutor stopped; the run is safe in the store. Continue it with `tminus resume`.\n');
  };
  process.once('SIGINT', detach);
  process.once('SIGTERM', detach);
  try {
    const outcome: RunOutcome = await executor.run();
    view.current?.stop();
    view.current = undefined;
    io.stdout.write(`outcome: ${outcome}\n`);
    return outcome === 'completed' ? EXIT.ok : EXIT.notOk;
  } catch (error) {
    if (detached) return EXIT.notOk;
    throw error;
  } finally {
    view.current?.stop();
    process.removeListener('SIGINT', detach);
    process.removeListener('SIGTERM', detach);
  }
}
