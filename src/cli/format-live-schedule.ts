import { formatDuration } from '../core/plan/duration.js';
import type { LiveSchedule } from '../core/schedule/live-schedule.js';
import { computeLiveSchedule } from '../core/schedule/live-schedule.js';
import { formatOffset } from '../core/plan/offset.js';
import type { Plan } from '../core/plan/plan.js';
import type { RunState } from '../core/run/run-state.js';
import type { Style } from './style.js';

const MAX_LATE_SHOWN = 5;

const signed = (ms: number) => (ms >= 0 ? `+${formatDuration(ms)}` : `-${formatDuration(-ms)}`);

/** `tminus status`: the schedule as of now, in a few lines (nothing once the run has ended). */
export function formatLiveSchedule(plan: Plan, state: RunState, nowMs: number, style: Style): string[] {
  if (state.status === 'ended') return [];
  const live = computeLiveSchedule(plan, state, nowMs);
  const out: string[] = [];
  const slip =
    live.slipMs === 0
      ? 'on plan'
      : live.slipMs > 0
        ? style.warning(`${formatDuration(live.slipMs)} late`)
        : `${formatDuration(-live.slipMs)} early`;
  const window =
    live.endsInsideWindow === false
      ? style.error(`  after the window ends (${formatOffset(live.windowEndMs ?? 0)})`)
      : '';
  const pnr =
    live.endAfterPointOfNoReturn && !live.pointOfNoReturnPassed
      ? style.warning(`  after the point of no return ${formatOffset(live.pointOfNoReturnMs ?? 0)}`)
      : '';
  out.push(
    `  expected end ${formatOffset(live.expectedEndMs)} (planned ${formatOffset(live.plannedEndMs)}, ${slip})${window}${pnr}`,
  );
  if (live.criticalPath.length > 0) out.push(`  critical path now ${live.criticalPath.join(' → ')}`);
  if (live.late.length > 0) {
    const shown = live.late.slice(0, MAX_LATE_SHOWN).map((t) => {
      const over = t.overrunMs > 0 ? `, ${formatDuration(t.overrunMs)} over its estimate` : '';
      return `${t.id} ${signed(t.lateMs)}${t.state === 'pending' ? ' (expected)' : over ? ` (${over.slice(2)})` : ''}`;
    });
    const more = live.late.length > MAX_LATE_SHOWN ? ` and ${live.late.length - MAX_LATE_SHOWN} more` : '';
    out.push(`  late ${shown.join(', ')}${more}`);
  }
  return out;
}

/** The `--json` form: ISO times, millisecond durations and offsets. */
export function liveScheduleJson(live: LiveSchedule, goLiveMs: number) {
  const iso = (offsetMs: number) => new Date(goLiveMs + offsetMs).toISOString();
  return {
    expectedEnd: iso(live.expectedEndMs),
    plannedEnd: iso(live.plannedEndMs),
    slipMs: live.slipMs,
    criticalPath: live.criticalPath,
    rollbackMs: live.rollbackMs,
    pointOfNoReturn: live.pointOfNoReturnMs === undefined ? null : iso(live.pointOfNoReturnMs),
    pointOfNoReturnPassed: live.pointOfNoReturnPassed,
    endAfterPointOfNoReturn: live.endAfterPointOfNoReturn,
    endsInsideWindow: live.endsInsideWindow ?? null,
    late: live.late.map((t) => ({ id: t.id, state: t.state, lateMs: t.lateMs, overrunMs: t.overrunMs })),
    tasks: live.tasks.map((t) => ({
      id: t.id,
      state: t.state,
      start: iso(t.startMs),
      finish: iso(t.finishMs),
      plannedStart: iso(t.plannedStartMs),
      plannedFinish: iso(t.plannedFinishMs),
      lateMs: t.lateMs,
      slackMs: t.slackMs ?? null,
    })),
  };
}
