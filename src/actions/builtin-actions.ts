import { ActionRegistry } from './action-registry.js';

/**
 * The registry of every action shipped with tminus. Each action lives in its own folder under
 * `src/actions/` and is registered here, one line each.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  return registry;
}
