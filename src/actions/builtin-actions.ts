import { ActionRegistry } from './action-registry.js';
import { dataCompareAction } from './data-compare/data-compare-action.js';
import { dataSyncWaitAction } from './data-sync-wait/data-sync-wait-action.js';

/**
 * The registry of every action shipped with tminus. Each action lives in its own folder under
 * `src/actions/` and is registered here, one line each.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.register(dataCompareAction);
  registry.register(dataSyncWaitAction);
  return registry;
}
