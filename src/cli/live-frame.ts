import { stripVTControlCharacters } from 'node:util';
import { formatDuration } from '../core/plan/duration.js';
import { formatOffset } from '../core/plan/offset.js';
import type { Plan } from '../core/plan/plan.js';
import { runControlRoles, membersOf } from '../core/run/roles.js';
import type { RunState } from '../core/run/run-state.js';
import { stepOf } from '../core/run/run-state.js';
import { computeSchedule } from '../core/schedule/schedule.js';
import { heldDetail } from './commands/status-command.js';
import { owed } from '../engine/who-owes-what.js';
import type { Style } from './style.js';

export interface FrameInput {
  readonly plan: Plan;
  readonly state: RunState;
  /** The run's time now (its last event's time once it has ended: an ended run no longer counts down). */
  readonly now: number;
  /** The latest event lines, oldest first. */
  readonly recent: readonly string[];
  readonly style: Style;
  readonly columns: number;
  readonly rows: number;
}

/** Cuts a line to the terminal width (counting what is seen, not colour codes). */
function fit(line: string, columns: number): string {
  const plain = stripVTControlCharacters(line);
  if (plain.length <= columns) return line;
  return `${plain.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * One frame of the live view, exactly fitting `columns` × `rows`: the countdown and the point of no return
 * always on top; then what the run waits for (a pause, people who owe something), the steps that are active,
 * held or late, a one-line summary of the phases, and as many of the latest events as still fit.
 */
export function renderLiveFrame(input: FrameInput): string[] {
  const { plan, state, now, style, columns, rows } = input;
  const ended = state.status === 'ended';
  const toT0 = state.goLiveMs - now;
  const next = ended ? undefined : plan.phases.find((p) => state.goLiveMs + p.atMs > now);
  const top: string[] = [];
  top.push(
    [
      style.bold(`T${toT0 > 0 ? '-' : '+'}${formatDuration(Math.abs(toT0))}`),
      ended
        ? style.bold(`ENDED: ${state.outcome ?? 'ended'}`)
        : state.status === 'paused'
          ? style.warning('PAUSED')
          : 'running',
      next ? `· next phase ${next.id} at ${formatOffset(next.atMs)}` : '',
      state.speed !== 1 ? `· rehearsal ×${state.speed}` : '',
      `· ${state.planTitle}`,
    ]
      .filter(Boolean)
      .join(' '),
  );
  const pnr = computeSchedule(plan).pointOfNoReturnMs;
  const sinceT0 = now - state.goLiveMs;
  top.push(
    pnr === undefined
      ? 'point of no return: none (no rollback budget)'
      : `point of no return ${formatOffset(pnr)} ${
          ended
            ? ''
            : sinceT0 > pnr
              ? style.error('PASSED: a rollback no longer fits the window')
              : `in ${formatDuration(pnr - sinceT0)}`
        }`.trimEnd(),
  );
  if (ended && state.endReason) top.push(`ended: ${state.endReason}`);
  // A compressed rehearsal held at real time says why, so nobody wonders where the speed went.
  if (!ended && state.mode !== 'live' && state.clockWaitingFor !== undefined) {
    top.push(style.warning(`clock at real time: waiting for ${state.clockWaitingFor}`));
  }
  if (state.status === 'paused') {
    const p = state.pause;
    const leads = runControlRoles(plan).flatMap((r) => [...membersOf(plan, r)]);
    top.push(
      style.warning(
        `paused${p ? ` by ${p.by} at ${formatOffset(p.atMs - state.goLiveMs)}` : ''}${p?.reason ? `: ${p.reason}` : ''}` +
          ` — nothing new starts until a lead (${leads.join(', ') || 'anyone in a role'}) runs \`tminus resume\``,
      ),
    );
  }

  const owes = ended ? [] : owed(plan, state);
  // Checklist sign-offs collapse to one line: on the night they matter as a count and who owes them.
  const signOffs = owes.filter((o) => o.what === 'sign off (checklist)');
  const byPerson = new Map<string, number>();
  for (const o of signOffs) for (const p of o.who) byPerson.set(p, (byPerson.get(p) ?? 0) + 1);
  const owedLines = [
    ...owes
      .filter((o) => o.what !== 'sign off (checklist)')
      .map((o) => `  ${o.step}: ${o.who.join(', ') || 'a run lead'} — ${o.what}`),
    ...(signOffs.length
      ? [
          `  checklist: ${signOffs.length} sign-off${signOffs.length > 1 ? 's' : ''} — ${[...byPerson]
            .map(([p, n]) => `${p} (${n})`)
            .join(', ')}`,
        ]
      : []),
  ];

  const active: string[] = [];
  const ids = [
    ...plan.tasks.map((t) => t.id),
    ...(state.rollback ? plan.rollback.steps.map((s) => s.id) : []),
  ];
  for (const id of ids) {
    const s = stepOf(state, id);
    const task = plan.tasks.find((t) => t.id === id);
    const phase = task ? plan.phases[task.phaseIndex] : undefined;
    const late =
      s.status === 'pending' && phase !== undefined && !ended && now > state.goLiveMs + phase.atMs + 60_000;
    if (s.status === 'running') {
      active.push(`  ▶ ${id} running${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}`);
    } else if (s.status === 'held') active.push(style.error(`  ! ${id} held ${heldDetail(s)}`));
    else if (s.status === 'waiting') active.push(`  … ${id} waiting for a person`);
    else if (late) {
      active.push(style.warning(`  ⏰ ${id} late: its phase started at ${formatOffset(phase.atMs)}`));
    }
  }

  const phases = plan.phases
    .map((p) => {
      const steps = p.taskIds.map((id) => stepOf(state, id));
      const done = steps.filter((s) => ['succeeded', 'skipped'].includes(s.status)).length;
      const mark =
        done === steps.length ? style.ok('✔') : steps.some((s) => s.status !== 'pending') ? '▶' : '·';
      return `${mark} ${p.id} ${done}/${steps.length}`;
    })
    .join('  ');

  // Each section gets at most a third of the screen, so the latest events always keep some room.
  const share = Math.max(3, Math.floor(rows / 3));
  const sections: { lines: string[]; max: number }[] = [{ lines: top, max: rows }];
  if (state.rollback) {
    sections.push({
      lines: [style.warning(`rollback (${state.rollback.by}): ${state.rollback.reason}`)],
      max: 1,
    });
  }
  if (owedLines.length) sections.push({ lines: [style.bold('waiting for'), ...owedLines], max: share });
  if (active.length) sections.push({ lines: [style.bold('now'), ...active], max: share });
  sections.push({ lines: [`phases  ${phases}`], max: 1 });
  // Room left is given in that order; a section that does not fit is cut, saying how many lines are hidden.
  const out: string[] = [];
  for (const { lines: section, max } of sections) {
    const first = section === top;
    const room = Math.min(max, rows - out.length - (first ? 0 : 1));
    if (room <= 0) break;
    if (!first) out.push('');
    if (section.length <= room) out.push(...section);
    else {
      out.push(...section.slice(0, room - 1), style.dim(`  … ${section.length - room + 1} more`));
    }
  }
  const room = rows - out.length - 2;
  if (room > 0 && input.recent.length > 0) {
    out.push('', style.bold('latest'), ...input.recent.slice(-room));
  }
  return out.slice(0, rows).map((l) => fit(l, columns));
}
