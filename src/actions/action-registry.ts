import { schemaIssues } from '../core/validation/schema-issues.js';
import type { ActionCatalog } from '../core/validation/validate-references.js';
import type { ActionDefinition } from '../engine/action.js';
import { withoutNumberRefs } from '../engine/numeric-refs.js';

/**
 * The actions available to a run. Registering a type twice is a programming error and throws.
 *
 * @example
 * const registry = new ActionRegistry().register(shellAction).register(httpCheckAction);
 * loadPlan(text, { actions: registry.catalog() });
 */
export class ActionRegistry {
  readonly #actions = new Map<string, ActionDefinition<never>>();

  register<P>(action: ActionDefinition<P>): this {
    if (this.#actions.has(action.type)) throw new Error(`action '${action.type}' is registered twice`);
    this.#actions.set(action.type, action as unknown as ActionDefinition<never>);
    return this;
  }

  get(type: string): ActionDefinition<unknown> | undefined {
    return this.#actions.get(type) as ActionDefinition<unknown> | undefined;
  }

  types(): string[] {
    return [...this.#actions.keys()].sort();
  }

  /**
   * What validation needs: the action types a plan may name (the registered ones plus `alsoKnown`, e.g. the
   * format's vocabulary) and the parameter checks of the registered ones.
   */
  catalog(alsoKnown: readonly string[] = []): ActionCatalog {
    return {
      types: [...new Set([...this.types(), ...alsoKnown])].sort(),
      invertible: [...this.#actions.values()]
        .filter((a) => a.inverse !== undefined || a.undo !== undefined)
        .map((a) => a.type)
        .sort(),
      checkParams: (type, params) => {
        const action = this.#actions.get(type);
        if (!action) return [];
        const result = action.params.safeParse(params);
        if (result.success) return [];
        // A number written as a reference is resolved and checked when the step runs.
        const issues = withoutNumberRefs(params, result.error.issues);
        return issues.length === 0 ? [] : schemaIssues(action.params, params, issues);
      },
      touches: (type, params) => {
        const action = this.#actions.get(type);
        const parsed = action?.touches ? action.params.safeParse(params) : undefined;
        return parsed?.success ? action!.touches!(parsed.data) : [];
      },
      inverse: (type, params) => {
        const action = this.#actions.get(type);
        const parsed = action?.inverse ? action.params.safeParse(params) : undefined;
        return parsed?.success ? action!.inverse!(parsed.data) : undefined;
      },
    };
  }
}
