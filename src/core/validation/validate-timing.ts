import type { Issue, PathSegment } from './issue.js';
import { error } from './issue.js';
import type { Plan } from '../plan/plan.js';
import { formatOffset } from '../plan/offset.js';
import { formatDuration } from '../plan/duration.js';

/**
 * Times against the window and each other: nothing may be due after the window ends (preparation before it,
 * such as a T-24h go/no-go, is normal), phases run in time order, deadlines fall after their phase starts,
 * and the rollback procedure fits between T-0 and the window's end.
 */
export function validateTiming(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  const w = plan.window;
  if (w && w.startMs >= w.endMs) {
    issues.push(
      error(
        'bad-window',
        ['window', 'end'],
        `the window ends (${formatOffset(w.endMs)}) before it starts (${formatOffset(w.startMs)})`,
      ),
    );
  }
  const inside = (ms: number | undefined, path: readonly PathSegment[], what: string) => {
    if (w && ms !== undefined && ms > w.endMs) {
      issues.push(
        error(
          'offset-outside-window',
          path,
          `${what} ${formatOffset(ms)} is after the window ends (${formatOffset(w.endMs)})`,
        ),
      );
    }
  };

  plan.phases.forEach((phase, i) => {
    inside(phase.atMs, ['phases', i, 'at'], `phase '${phase.id}' starts at`);
    const previous = plan.phases[i - 1];
    if (previous && phase.atMs < previous.atMs) {
      issues.push(
        error(
          'phases-out-of-order',
          ['phases', i, 'at'],
          `phase '${phase.id}' starts at ${formatOffset(phase.atMs)}, before the phase before it ('${previous.id}', ${formatOffset(previous.atMs)})`,
          'phases run in the order written: order them by time',
        ),
      );
    }
  });
  for (const t of plan.tasks) {
    const phase = plan.phases[t.phaseIndex]!;
    const deadline = t.gate?.deadlineMs;
    inside(deadline, [...t.path, 'deadline'], `the deadline of '${t.id}'`);
    if (deadline !== undefined && deadline <= phase.atMs) {
      issues.push(
        error(
          'deadline-before-phase',
          [...t.path, 'deadline'],
          `the deadline ${formatOffset(deadline)} of gate '${t.id}' is not after its phase starts (${formatOffset(phase.atMs)})`,
        ),
      );
    }
    inside(t.wait?.untilMs, [...t.path, 'until'], `wait '${t.id}' lasts until`);
  }
  plan.monitors.forEach((m, i) => {
    inside(m.fromMs, ['monitors', i, 'from'], `monitor '${m.id}' starts at`);
    inside(m.untilMs, ['monitors', i, 'until'], `monitor '${m.id}' runs until`);
    if (m.fromMs !== undefined && m.untilMs !== undefined && m.untilMs <= m.fromMs) {
      issues.push(
        error(
          'bad-monitor-span',
          ['monitors', i, 'until'],
          `monitor '${m.id}' ends (${formatOffset(m.untilMs)}) before it starts (${formatOffset(m.fromMs)})`,
        ),
      );
    }
  });

  const rollbackMs = plan.rollback.steps.reduce((sum, s) => sum + s.budgetMs, 0);
  if (w && rollbackMs > 0 && w.endMs - rollbackMs < Math.max(0, w.startMs)) {
    const room = w.endMs - Math.max(0, w.startMs);
    issues.push(
      error(
        'rollback-does-not-fit',
        ['rollback', 'steps'],
        `the rollback steps need ${formatDuration(rollbackMs)} but only ${formatDuration(Math.max(0, room))} remain between ${formatOffset(Math.max(0, w.startMs))} and the window's end (${formatOffset(w.endMs)})`,
        'shorten the step budgets or extend window.end',
      ),
    );
  }
  return issues;
}
