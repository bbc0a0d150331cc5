import { ActionRegistry } from './action-registry.js';
import { metricsQueryAction } from './metrics-query/metrics-query-action.js';
import { trafficMaintenanceAction } from './traffic-maintenance/traffic-maintenance-action.js';
import { trafficShiftAction } from './traffic-shift/traffic-shift-action.js';

/**
 * The registry of every action shipped with tminus. Each action lives in its own folder under
 * `src/actions/` and is registered here, one line each.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.register(trafficShiftAction);
  registry.register(metricsQueryAction);
  registry.register(trafficMaintenanceAction);
  return registry;
}
