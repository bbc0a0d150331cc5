import type { RunView } from './api.js';
import { human, offset } from './time-format.js';

/** Big numbers: time to T-0 and to the point of no return, the run's state and who drives it. */
export function Countdown({ view, nowMs }: { view: RunView; nowMs: number }) {
  const toGoLive = view.run.goLiveMs - nowMs;
  const pnr = view.schedule.pointOfNoReturnMs;
  const toPnr = pnr === null ? undefined : view.run.goLiveMs + pnr - nowMs;
  const status = view.run.outcome ?? (view.run.rollback ? 'rolling back' : view.run.status);
  return (
    <section class="countdown" aria-label="countdown">
      <div class="big">
        <span class="label">now</span>
        <span class="value" data-testid="now-offset">
          {offset(nowMs - view.run.goLiveMs)}
        </span>
        <span class="sub">{toGoLive > 0 ? `${human(toGoLive)} to T-0` : 'past T-0'}</span>
      </div>
      <div
        class={`big ${toPnr !== undefined && toPnr < 0 ? 'bad' : toPnr !== undefined && toPnr < 15 * 60_000 ? 'warn' : ''}`}
      >
        <span class="label">point of no return</span>
        <span class="value" data-testid="pnr">
          {toPnr === undefined ? '—' : toPnr < 0 ? 'PASSED' : human(toPnr)}
        </span>
        <span class="sub">{pnr === null ? 'no window in the plan' : `at ${offset(pnr)}`}</span>
      </div>
      <div class={`big state-${status.replace(/\s/g, '-')}`}>
        <span class="label">run</span>
        <span class="value" data-testid="run-status">
          {status}
        </span>
        <span class="sub">
          {view.run.mode}
          {view.run.dryRun ? ' · dry run' : ''}
          {view.clock.speed !== 1 ? ` · ×${view.clock.speed}` : ''}
          {view.run.status !== 'ended' && !view.executor ? ' · no executor' : ''}
        </span>
      </div>
    </section>
  );
}
