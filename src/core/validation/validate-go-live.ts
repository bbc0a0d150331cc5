import type { Issue } from './issue.js';
import { error, warning } from './issue.js';
import type { Plan } from '../plan/plan.js';

/**
 * The go-live watch as configured: monitors whose limits can never be reached (Argo Rollouts refuses them
 * too), criteria that could never fire, and point-of-no-return warnings without a window to count from.
 */
export function validateGoLive(plan: Plan): Issue[] {
  const issues: Issue[] = [];
  plan.monitors.forEach((m, i) => {
    const path = ['monitors', i, 'count'];
    if (m.count === undefined) return;
    if (m.failureLimit >= 0 && m.count <= m.failureLimit) {
      issues.push(
        error(
          'monitor-cannot-fail',
          path,
          `monitor '${m.id}' can never fail: count ${m.count} allows at most ${m.count} failed measurement(s) and failureLimit ${m.failureLimit} tolerates that many`,
          `raise count above ${m.failureLimit}, lower failureLimit, or set failureLimit: -1 to say failures never fail it`,
        ),
      );
    }
    const successes = m.consecutiveSuccessLimit;
    if (successes !== undefined) {
      const needed = Math.max(0, m.failureLimit) + successes;
      if (m.count < needed) {
        issues.push(
          error(
            'monitor-cannot-succeed',
            path,
            m.failureLimit > 0
              ? `monitor '${m.id}' has count ${m.count}, too few for the ${m.failureLimit} failure(s) it tolerates and then ${successes} consecutive successes (needs ${needed})`
              : `monitor '${m.id}' has count ${m.count}, fewer than the ${successes} consecutive successes it needs to succeed`,
            `raise count to ${needed} or more`,
          ),
        );
      }
    }
    if (m.count <= m.inconclusiveLimit) {
      issues.push(
        error(
          'monitor-never-inconclusive',
          path,
          `monitor '${m.id}' can never be inconclusive: count ${m.count} is not above inconclusiveLimit ${m.inconclusiveLimit}`,
          `raise count above ${m.inconclusiveLimit} or lower inconclusiveLimit`,
        ),
      );
    }
  });

  plan.rollback.criteria.forEach((c, i) => {
    if (c.id === 'success') {
      issues.push(
        error(
          'reserved-criterion-id',
          ['rollback', 'criteria', i, 'id'],
          "criterion id 'success' is reserved: `tminus declare success` declares the go-live a success",
          'rename the criterion, e.g. success-rate',
        ),
      );
    }
    const monitor = plan.monitors.find((m) => m.id === c.monitor);
    if (monitor?.dryRun) {
      issues.push(
        warning(
          'criterion-on-dry-run-monitor',
          ['rollback', 'criteria', i, 'monitor'],
          `criterion '${c.id}' watches monitor '${monitor.id}', which is dryRun: it will never fire`,
          'remove dryRun: true from the monitor once its measurements look right',
        ),
      );
    }
    const task = plan.tasks.find((t) => t.id === c.task);
    if (c.when === 'data-differences' && task && task.call?.action !== 'data.compare') {
      issues.push(
        error(
          'criterion-task-not-compare',
          ['rollback', 'criteria', i, 'task'],
          `criterion '${c.id}' fires on data differences, but task '${task.id}' is not a data.compare task`,
        ),
      );
    }
  });

  if (plan.rollback.ponrWarningsMs.length > 0 && !plan.window) {
    issues.push(
      warning(
        'ponr-without-window',
        ['rollback', 'ponrWarnings'],
        'ponrWarnings need a window: without window.end there is no point of no return to warn about',
      ),
    );
  }
  return issues;
}
