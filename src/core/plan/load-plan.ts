import type { Issue } from '../validation/issue.js';
import { hasErrors, sortIssues } from '../validation/issue.js';
import type { Plan } from './plan.js';
import { buildPlan } from './plan.js';
import { planSchema } from './plan-schema.js';
import { parsePlanSource } from './plan-source.js';
import { schemaIssues } from '../validation/schema-issues.js';
import { validateSecrets } from '../validation/validate-secrets.js';
import type { ActionCatalog } from '../validation/validate-references.js';
import { validateReferences } from '../validation/validate-references.js';
import { validateIds } from '../validation/validate-ids.js';
import { validateDependencies } from '../validation/validate-dependencies.js';
import { validateTiming } from '../validation/validate-timing.js';
import { validateGates } from '../validation/validate-gates.js';
import { validateTaskKeys } from '../validation/validate-task-keys.js';
import { validateConditions } from '../validation/validate-conditions.js';
import { validateDnsTtl } from '../validation/validate-dns-ttl.js';
import { validateInverseSteps } from '../validation/validate-inverse-steps.js';
import { validateGoLive } from '../validation/validate-go-live.js';
import { ACTION_TYPES } from '../action-types.js';
import type { Repaired } from '../validation/repair-for-checks.js';
import { concernsRepair, repairForChecks } from '../validation/repair-for-checks.js';
import { validateRollbackCoverage } from '../rollback/rollback-coverage.js';
import { computeSchedule } from '../schedule/schedule.js';

export interface LoadPlanOptions {
  /** The actions available; defaults to the format v1 vocabulary without parameter checks. */
  readonly actions?: ActionCatalog;
}

export interface LoadedPlan {
  /** The plan model, present when there is no error (warnings allowed). */
  readonly plan: Plan | undefined;
  /** Every issue found, with positions, in file order. */
  readonly issues: readonly Issue[];
  /** The parsed document the plan was built from, present with the plan. */
  readonly document?: unknown;
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
      let repaired: Repaired | undefined;
      if (!parsed.success) {
        issues.push(...schemaIssues(planSchema, source.value, parsed.error.issues));
        // Problems the schema finds do not stop the semantic checks: they run on a copy without the refused
        // values (unknown keys dropped, bad values replaced by placeholders), so a typo'd key, a malformed
        // offset, an unknown role and a cycle are all reported in the same run.
        repaired = repairForChecks(planSchema, source.value, parsed.error.issues);
        if (repaired) parsed = planSchema.safeParse(repaired.value);
      }
      if (parsed.success) {
        const model = buildPlan(parsed.data);
        const semantic = [
          ...validateSecrets(parsed.data),
          ...validateTaskKeys(parsed.data),
          ...validateIds(model),
          ...validateReferences(model, options.actions ?? DEFAULT_ACTIONS),
          ...validateDependencies(model),
          ...validateGates(model),
          ...(repaired?.timeReplaced ? [] : [...validateTiming(model), ...validateDnsTtl(model)]),
          ...validateConditions(model),
          ...validateInverseSteps(model, options.actions ?? DEFAULT_ACTIONS),
          ...validateGoLive(model),
        ];
        issues.push(...(repaired ? semantic.filter((i) => !concernsRepair(repaired, i)) : semantic));
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
  const ok = !hasErrors(positioned) && plan !== undefined;
  return {
    plan: ok ? plan : undefined,
    issues: sortIssues(positioned),
    ...(ok ? { document: source.value } : {}),
  };
}
