import type { Issue } from './issue.js';
import { hasErrors, sortIssues } from './issue.js';
import type { Plan } from './plan.js';
import { buildPlan } from './plan.js';
import { planSchema } from './plan-schema.js';
import { parsePlanSource } from './plan-source.js';
import { schemaIssues } from './schema-issues.js';
import { validateSecrets } from './validate-secrets.js';
import type { ActionCatalog } from './validate-references.js';
import { validateReferences } from './validate-references.js';
import { validateIds } from './validate-ids.js';
import { validateDependencies } from './validate-dependencies.js';
import { validateTiming } from './validate-timing.js';
import { validateGates } from './validate-gates.js';
import { validateTaskKeys } from './validate-task-keys.js';
import { validateConditions } from './validate-conditions.js';
import { validateDnsTtl } from './validate-dns-ttl.js';
import { validateInverseSteps } from './validate-inverse-steps.js';
import { validateGoLive } from './validate-go-live.js';
import { ACTION_TYPES } from './action-types.js';
import { validateRollbackCoverage } from './rollback-coverage.js';
import { computeSchedule } from './schedule.js';

export interface LoadPlanOptions {
  /** The actions available; defaults to the format v1 vocabulary without parameter checks. */
  readonly actions?: ActionCatalog;
}

export interface LoadedPlan {
  /** The plan model, present when there is no error (warnings allowed). */
  readonly plan: Plan | undefined;
  /** Every issue found, with positions, in file order. */
  readonly issues: readonly Issue[];
}

export const DEFAULT_ACTIONS: ActionCatalog = { types: ACTION_TYPES };

/**
 * Parses and validates a plan's text in one pass and reports every problem at once. Never throws on input.
 *
 * @example
 * const { plan, issues } = loadPlan(text);
 * if (!plan) for (const i of issues) console.log(`${i.position?.line}:${i.position?.col} ${i.message}`);
 */
export function loadPlan(text: string, options: LoadPlanOptions = {}): LoadedPlan {
  const source = parsePlanSource(text);
  const issues: Issue[] = [...source.issues];
  let plan: Plan | undefined;
  if (!hasErrors(issues)) {
    if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
      issues.push({
        severity: 'error',
        code: 'wrong-type',
        path: [],
        message: 'a plan is a mapping of keys (version, name, roles, phases, ...)',
      });
    } else {
      let parsed = planSchema.safeParse(source.value);
      if (!parsed.success) {
        issues.push(...schemaIssues(planSchema, source.value, parsed.error.issues));
        // Unknown keys alone do not stop the semantic checks: without them the plan still has a meaning,
        // so a typo'd key and, say, an unknown role are reported in the same run.
        const unknown = parsed.error.issues.filter((i) => i.code === 'unrecognized_keys');
        if (unknown.length === parsed.error.issues.length) {
          parsed = planSchema.safeParse(withoutKeys(source.value, unknown));
        }
      }
      if (parsed.success) {
        const model = buildPlan(parsed.data);
        issues.push(
          ...validateSecrets(parsed.data),
          ...validateTaskKeys(parsed.data),
          ...validateIds(model),
          ...validateReferences(model, options.actions ?? DEFAULT_ACTIONS),
          ...validateDependencies(model),
          ...validateGates(model),
          ...validateTiming(model),
          ...validateConditions(model),
          ...validateDnsTtl(model),
          ...validateInverseSteps(model, options.actions ?? DEFAULT_ACTIONS),
          ...validateGoLive(model),
        );
        // Coverage needs the schedule, which needs a plan without errors (no cycles, known tasks).
        if (!hasErrors(issues)) {
          issues.push(
            ...validateRollbackCoverage(model, options.actions ?? DEFAULT_ACTIONS, computeSchedule(model)),
          );
        }
        plan = model;
      }
    }
  }
  const positioned = issues.map((i) => ({
    ...i,
    position: i.position ?? source.positionOf(i.path, i.atKey ?? false),
    ...(i.related ? { relatedPosition: source.positionOf(i.related) } : {}),
  }));
  return { plan: hasErrors(positioned) ? undefined : plan, issues: sortIssues(positioned) };
}

/** A copy of `value` without the keys that the schema did not recognise. */
function withoutKeys(value: unknown, unknown: readonly { path: PropertyKey[]; keys?: string[] }[]): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const u of unknown) {
    let node: unknown = copy;
    for (const segment of u.path) node = (node as Record<PropertyKey, unknown> | undefined)?.[segment];
    if (node && typeof node === 'object') {
      for (const key of u.keys ?? []) delete (node as Record<string, unknown>)[key];
    }
  }
  return copy;
}
