import { ActionRegistry } from './action-registry.js';
import { dnsUpdateAction } from './dns-update/dns-update-action.js';
import { dnsQueryAction } from './dns-query/dns-query-action.js';
import { dnsVerifyAction } from './dns-verify/dns-verify-action.js';
import { dnsLowerTtlAction } from './dns-lower-ttl/dns-lower-ttl-action.js';

/**
 * The registry of every action shipped with tminus. Each action lives in its own folder under
 * `src/actions/` and is registered here, one line each.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.register(dnsUpdateAction);
  registry.register(dnsQueryAction);
  registry.register(dnsVerifyAction);
  registry.register(dnsLowerTtlAction);
  return registry;
}
