import type { Clock } from '../../core/clock.js';
import { TminusError } from '../../core/tminus-error.js';
import { Redactor } from '../../engine/redactor.js';
import { ScaledClock } from '../../engine/scaled-clock.js';
import { SystemClock } from '../../engine/system-clock.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { drive, executorOptions } from '../drive-run.js';
import type { LiveView } from '../live-view.js';
import { cliOrigin, openSession } from '../run-context.js';

/**
 * `tminus resume`: takes over a run whose executor died (after a crash or kill -9) and, when the run is
 * paused, un-pauses it (`--as` a lead).
 */
export async function resumeCommand(
  options: { store?: string; run?: string; as?: string; reason?: string },
  io: CliIo,
): Promise<number> {
  const { store, session } = await openSession(options, io, { unfinished: true });
  const { runId, plan } = session;
  const state = session.state;
  try {
    if (state.status === 'ended') {
      throw new TminusError(
        'RUN_ENDED',
        `run ${runId} has ended (${state.outcome ?? 'ended'}); nothing to resume`,
      );
    }
    const wasPaused = state.status === 'paused';
    if (wasPaused) {
      const person = options.as ?? io.env.TMINUS_AS;
      if (!person) {
        throw new TminusError('USAGE', 'the run is paused: resume it --as a lead (or set TMINUS_AS)');
      }
      await session.act(person, cliOrigin(), {
        kind: 'unpause',
        ...(options.reason ? { reason: options.reason } : {}),
      });
      io.stdout.write(`run ${runId} resumed by ${person}\n`);
    }
    const realNow = io.now();
    const live = state.mode === 'live';
    const speed = state.speed;
    // A rehearsal's clock stops while no executor runs; a live run's clock is the wall clock.
    const clock: Clock = live
      ? new SystemClock()
      : new ScaledClock({ atMs: state.lastAtMs, realMs: realNow, speed }, io.now);
    const anchor = { realMs: realNow, speed: live ? 1 : speed };
    const view: { current?: LiveView } = {};
    const executor = await session.openExecutor(
      executorOptions(plan, clock, new Redactor(), io, anchor, state.goLiveMs, view),
    );
    try {
      return await drive(executor, plan, clock, io, view);
    } catch (error) {
      if (error instanceof TminusError && error.code === 'RUN_LOCKED' && wasPaused) {
        return EXIT.ok;
      }
      throw error;
    }
  } finally {
    await store.close();
  }
}
