import type { Issue, PathSegment } from './issue.js';
import { error, warning } from './issue.js';
import type { ActionCall, Plan } from '../plan/plan.js';
import { connectionParams } from '../action-types.js';
import { didYouMeanHint } from '../did-you-mean.js';

/** What validation needs to know of the actions available: their names and, optionally, their parameters. */
export interface ActionCatalog {
  readonly types: readonly string[];
  /** The types whose action can undo itself (for rollback steps' `inverse:`); unknown when absent. */
  readonly invertible?: readonly string[];
  /** Problems with an action's `with:` parameters; their paths are relative to `with`. */
  checkParams?(type: string, params: Readonly<Record<string, unknown>>): readonly Issue[];
  /** What a call changes (records, backends, frozen sources), for rollback coverage; [] when nothing known. */
  touches?(type: string, params: Readonly<Record<string, unknown>>): readonly string[];
  /** The call that undoes this one, when the action can say from its parameters. */
  inverse?(
    type: string,
    params: Readonly<Record<string, unknown>>,
  ): { readonly action: string; readonly with: Readonly<Record<string, unknown>> } | undefined;
}

/**
 * References to roles, people, connections and actions; owners and kind-specific keys.
 */
export function validateReferences(plan: Plan, actions: ActionCatalog): Issue[] {
  const issues: Issue[] = [];
  const roles = Object.keys(plan.roles);
  const connections = Object.keys(plan.connections);
  const knownActions = new Set(actions.types);

  const role = (name: string, path: readonly PathSegment[]) => {
    if (!(name in plan.roles)) {
      issues.push(
        error(
          'unknown-role',
          path,
          `unknown role '${name}'`,
          didYouMeanHint(name, roles) ?? `roles: ${roles.join(', ') || '(none declared)'}`,
        ),
      );
    }
  };
  const action = (c: ActionCall | undefined, path: readonly PathSegment[]) => {
    if (!c) return;
    if (!knownActions.has(c.action)) {
      issues.push(
        error(
          'unknown-action',
          [...path, 'action'],
          `unknown action '${c.action}'`,
          didYouMeanHint(c.action, knownActions) ?? 'run `tminus actions` for the list',
        ),
      );
      return;
    }
    for (const param of connectionParams(c.action)) {
      const value = c.with[param];
      if (
        typeof value === 'string' &&
        !value.includes('://') &&
        !value.includes('${') &&
        !(value in plan.connections)
      ) {
        issues.push(
          error(
            'unknown-connection',
            [...path, 'with', param],
            `unknown connection '${value}'`,
            didYouMeanHint(value, connections) ??
              `connections: ${connections.join(', ') || '(none declared)'}`,
          ),
        );
      }
    }
    for (const i of actions.checkParams?.(c.action, c.with) ?? []) {
      issues.push({
        ...i,
        code: 'bad-action-params',
        path: [...path, 'with', ...i.path],
        message: `${c.action}: ${i.message}`,
      });
    }
  };

  // Roles and people.
  const people = Object.keys(plan.people);
  for (const [id, r] of Object.entries(plan.roles)) {
    if (r.members.length === 0) {
      issues.push(
        warning('empty-role', ['roles', id, 'members'], `role '${id}' has no members: nobody can act for it`),
      );
    }
    r.members.forEach((m, i) => {
      if (people.length > 0 && !(m in plan.people)) {
        issues.push(
          warning(
            'unknown-person',
            ['roles', id, 'members', i],
            `'${m}' is not described under people: (no name or contact for notifications)`,
            didYouMeanHint(m, people),
          ),
        );
      }
    });
  }

  for (const t of plan.tasks) {
    if (t.owner !== undefined) role(t.owner, [...t.path, 'owner']);
    if (t.kind === 'manual' && t.owner === undefined) {
      issues.push(
        error(
          'missing-owner',
          t.path,
          `manual task '${t.id}' has no owner: nobody could complete it`,
          'add owner: ROLE, or an action: to automate it',
        ),
      );
    }
    if (t.kind === 'gate') t.gate?.voters.forEach((v, i) => role(v, [...t.path, 'voters', i]));
    action(t.call, t.path);
    if (t.wait?.condition) action(t.wait.condition, [...t.path, 'condition']);
  }
  for (const c of plan.checklist) {
    role(c.owner, [...c.path, 'owner']);
    action(c.check, [...c.path, 'check']);
  }
  plan.monitors.forEach((m, i) => action(m.call, ['monitors', i]));
  plan.rollback.steps.forEach((s, i) => {
    const path = ['rollback', 'steps', i];
    if (s.owner !== undefined) role(s.owner, [...path, 'owner']);
    else if (!s.call && s.inverseOf === undefined) {
      issues.push(
        error(
          'missing-owner',
          path,
          `manual rollback step '${s.id}' has no owner`,
          'add owner: ROLE, or an action:',
        ),
      );
    }
    action(s.call, path);
    if (s.inverseOf !== undefined && s.call) {
      issues.push(
        error(
          'inverse-with-action',
          [...path, 'inverse'],
          `rollback step '${s.id}' has both inverse: '${s.inverseOf}' and an action`,
          'keep one: inverse runs the inverse of what the task did; action runs the call you write',
        ),
      );
    }
    const forward = (id: string, p: readonly PathSegment[]) => {
      const task = plan.tasks.find((t) => t.id === id);
      if (!task) {
        const ids = plan.tasks.map((t) => t.id);
        issues.push(error('unknown-task', p, `unknown task '${id}'`, didYouMeanHint(id, ids)));
      }
      return task;
    };
    if (s.inverseOf !== undefined) {
      const task = forward(s.inverseOf, [...path, 'inverse']);
      if (task && !task.call) {
        issues.push(
          error(
            'inverse-without-action',
            [...path, 'inverse'],
            `inverse: '${s.inverseOf}' is a ${task.kind} task: there is no action to undo`,
            'undo it with a manual step (owner:) or an action:',
          ),
        );
      }
    }
    s.undoes.forEach((id, j) => forward(id, [...path, 'undoes', j]));
  });
  action(plan.rollback.verify, ['rollback', 'verify']);
  if (plan.channels.length > 0) {
    // The run's channels are notify's channels: checked by the same schema, positioned under `channels:`.
    const probe = { title: 'announcement', channels: plan.channels };
    for (const i of actions.checkParams?.('notify', probe) ?? []) {
      issues.push({
        ...i,
        code: 'bad-channel',
        path: i.path[0] === 'channels' ? ['channels', ...i.path.slice(1)] : ['channels'],
        message: `channels: ${i.message}`,
      });
    }
  }
  plan.rollback.followUp.forEach((f, i) => {
    if (f.owner !== undefined) role(f.owner, ['rollback', 'followUp', i, 'owner']);
  });

  // Criteria name what fires them.
  const monitors = plan.monitors.map((m) => m.id);
  const tasks = new Set(plan.tasks.map((t) => t.id));
  plan.rollback.criteria.forEach((c, i) => {
    const path = ['rollback', 'criteria', i];
    if (c.monitor !== undefined && !monitors.includes(c.monitor)) {
      issues.push(
        error(
          'unknown-monitor',
          [...path, 'monitor'],
          `unknown monitor '${c.monitor}'`,
          didYouMeanHint(c.monitor, monitors),
        ),
      );
    }
    if (c.task !== undefined && !tasks.has(c.task)) {
      issues.push(
        error('unknown-task', [...path, 'task'], `unknown task '${c.task}'`, didYouMeanHint(c.task, tasks)),
      );
    }
    if (c.when === 'monitor-failed' && c.monitor === undefined) {
      issues.push(
        error(
          'criterion-without-monitor',
          path,
          `criterion '${c.id}' fires on a failed monitor but names none`,
          'add monitor: ID',
        ),
      );
    }
    const critical = plan.tasks.some((t) => t.critical);
    if (
      (c.when === 'task-failed' && c.task === undefined && !critical) ||
      (c.when === 'data-differences' && c.task === undefined)
    ) {
      issues.push(
        error(
          'criterion-without-task',
          path,
          c.when === 'task-failed'
            ? `criterion '${c.id}' fires on a failed task but names none, and no task is marked critical`
            : `criterion '${c.id}' fires on data differences but names no data.compare task`,
          c.when === 'task-failed' ? 'add task: ID, or mark tasks critical: true' : 'add task: ID',
        ),
      );
    }
  });
  return issues;
}
