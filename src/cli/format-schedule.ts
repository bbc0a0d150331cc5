import type { Plan } from '../core/plan/plan.js';
import type { Schedule } from '../core/schedule/schedule.js';
import { formatOffset } from '../core/plan/offset.js';
import { formatDuration } from '../core/plan/duration.js';
import type { Style } from './style.js';

const iso = (goLiveMs: number, offsetMs: number) => new Date(goLiveMs + offsetMs).toISOString();

/** The `--json` form of `tminus plan`: ISO-8601 times, millisecond durations. */
export function scheduleJson(plan: Plan, schedule: Schedule, goLiveMs: number) {
  return {
    plan: plan.name,
    goLive: new Date(goLiveMs).toISOString(),
    window: plan.window && {
      start: iso(goLiveMs, plan.window.startMs),
      end: iso(goLiveMs, plan.window.endMs),
    },
    start: iso(goLiveMs, schedule.startMs),
    expectedEnd: iso(goLiveMs, schedule.expectedEndMs),
    expectedDurationMs: schedule.expectedEndMs - schedule.startMs,
    rollbackMs: schedule.rollbackMs,
    pointOfNoReturn:
      schedule.pointOfNoReturnMs === undefined ? null : iso(goLiveMs, schedule.pointOfNoReturnMs),
    criticalPath: schedule.criticalPath,
    tasks: schedule.tasks.map((t) => ({
      id: t.id,
      phase: t.phase,
      kind: t.kind,
      owner: t.owner ?? null,
      plannedStart: iso(goLiveMs, t.startMs),
      plannedFinish: iso(goLiveMs, t.finishMs),
      startOffset: formatOffset(t.startMs),
      durationMs: t.durationMs,
      estimateDefaulted: t.estimateDefaulted,
      slackMs: t.slackMs,
      critical: t.critical,
    })),
    warnings: schedule.warnings,
  };
}

const GANTT_WIDTH = 48;

/** A readable table of the schedule with a text Gantt bar per task, then the key times and warnings. */
export function formatSchedule(plan: Plan, schedule: Schedule, goLiveMs: number, style: Style): string {
  const clock = (offsetMs: number) =>
    new Date(goLiveMs + offsetMs).toISOString().slice(0, 16).replace('T', ' ');
  // The Gantt covers the window (or the whole schedule without one): a T-24h go/no-go would otherwise
  // squash the cutover itself into a few columns. Work before the window shows as '◀'.
  const ganttStart = plan.window ? Math.max(schedule.startMs, plan.window.startMs) : schedule.startMs;
  const ganttEnd = Math.max(schedule.expectedEndMs, plan.window?.endMs ?? schedule.expectedEndMs);
  const span = Math.max(1, ganttEnd - ganttStart);
  const bar = (s: number, f: number) => {
    if (f <= ganttStart && s < ganttStart) return '◀'.padEnd(GANTT_WIDTH);
    const from = Math.min(GANTT_WIDTH - 1, Math.floor((Math.max(0, s - ganttStart) / span) * GANTT_WIDTH));
    const to = Math.min(GANTT_WIDTH, Math.max(from + 1, Math.ceil(((f - ganttStart) / span) * GANTT_WIDTH)));
    return (' '.repeat(from) + '█'.repeat(to - from)).padEnd(GANTT_WIDTH);
  };
  const rows = schedule.tasks.map((t) => [
    t.critical ? '*' : ' ',
    t.id,
    t.phase,
    t.owner ?? '-',
    formatOffset(t.startMs),
    formatOffset(t.finishMs),
    formatDuration(t.durationMs) + (t.estimateDefaulted ? '?' : ''),
    formatDuration(t.slackMs),
    bar(t.startMs, t.finishMs),
  ]);
  const header = [
    ' ',
    'TASK',
    'PHASE',
    'OWNER',
    'START',
    'FINISH',
    'TAKES',
    'SLACK',
    `TIMELINE ${formatOffset(ganttStart)} .. ${formatOffset(ganttEnd)}`,
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[], critical = false) => {
    const text = r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
    return critical ? style.critical(text) : text;
  };
  const out = [
    style.bold(`${plan.title}  (${plan.name})`),
    '',
    style.dim(line(header)),
    ...rows.map((r) => line(r, r[0] === '*')),
    '',
  ];
  out.push(`T-0 (go-live)        ${clock(0)} UTC`);
  out.push(`starts               ${formatOffset(schedule.startMs).padEnd(10)} ${clock(schedule.startMs)}`);
  out.push(
    `expected end         ${formatOffset(schedule.expectedEndMs).padEnd(10)} ${clock(schedule.expectedEndMs)}  (takes ${formatDuration(schedule.expectedEndMs - schedule.startMs)})`,
  );
  if (plan.window) {
    out.push(
      `window               ${formatOffset(plan.window.startMs)} .. ${formatOffset(plan.window.endMs)}  (${formatDuration(plan.window.endMs - plan.window.startMs)})`,
    );
  }
  out.push(`rollback needs       ${formatDuration(schedule.rollbackMs)}`);
  if (schedule.pointOfNoReturnMs !== undefined) {
    out.push(
      style.bold(
        `point of no return   ${formatOffset(schedule.pointOfNoReturnMs).padEnd(10)} ${clock(schedule.pointOfNoReturnMs)}`,
      ),
    );
  } else {
    out.push(`point of no return   - (the plan has no window)`);
  }
  out.push(`critical path        ${schedule.criticalPath.join(' → ')}`);
  out.push(style.dim(`* critical (no slack)   ? default estimate`));
  for (const w of schedule.warnings) {
    out.push(`${style.warning('warning')}  ${w.message}  ${style.dim(`(${w.code})`)}`);
  }
  return out.join('\n');
}
