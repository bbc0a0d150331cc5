import { ActionRegistry } from './action-registry.js';
import { shellAction } from './shell/shell-action.js';
import { waitAction } from './wait/wait-action.js';

/**
 * The registry of every action shipped with tminus. Each action lives in its own folder under
 * `src/actions/` and is registered here, one line each.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.register(shellAction);
  registry.register(waitAction);
  return registry;
}
