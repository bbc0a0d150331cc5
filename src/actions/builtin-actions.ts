import { ActionRegistry } from './action-registry.js';
import { httpCheckAction } from './http-check/http-check-action.js';
import { notifyAction } from './notify/notify-action.js';
import { smokeAction } from './smoke/smoke-action.js';
import { sqlAssertAction } from './sql-assert/sql-assert-action.js';
import { sqlQueryAction } from './sql-query/sql-query-action.js';
import { tcpCheckAction } from './tcp-check/tcp-check-action.js';
import { tlsCheckAction } from './tls-check/tls-check-action.js';
import { metricsQueryAction } from './metrics-query/metrics-query-action.js';
import { trafficMaintenanceAction } from './traffic-maintenance/traffic-maintenance-action.js';
import { trafficShiftAction } from './traffic-shift/traffic-shift-action.js';
import { dnsUpdateAction } from './dns-update/dns-update-action.js';
import { dnsQueryAction } from './dns-query/dns-query-action.js';
import { dnsVerifyAction } from './dns-verify/dns-verify-action.js';
import { dnsLowerTtlAction } from './dns-lower-ttl/dns-lower-ttl-action.js';
import { dataCompareAction } from './data-compare/data-compare-action.js';
import { dataSyncWaitAction } from './data-sync-wait/data-sync-wait-action.js';
import { shellAction } from './shell/shell-action.js';
import { configSetAction } from './config-set/config-set-action.js';
import { configVerifyAction } from './config-verify/config-verify-action.js';
import { waitAction } from './wait/wait-action.js';

/**
 * The registry of every action shipped with tminus, all loaded (validation, listing, the war room). Each
 * action lives in its own folder under `src/actions/` and is registered here, one line each, and in
 * `builtin-action-loaders.ts`, from where a run of the CLI loads only the actions its plan uses.
 */
export function builtinActions(): ActionRegistry {
  const registry = new ActionRegistry();
  registry.register(httpCheckAction);
  registry.register(tcpCheckAction);
  registry.register(tlsCheckAction);
  registry.register(sqlQueryAction);
  registry.register(sqlAssertAction);
  registry.register(notifyAction);
  registry.register(smokeAction);
  registry.register(trafficShiftAction);
  registry.register(metricsQueryAction);
  registry.register(trafficMaintenanceAction);
  registry.register(dnsUpdateAction);
  registry.register(dnsQueryAction);
  registry.register(dnsVerifyAction);
  registry.register(dnsLowerTtlAction);
  registry.register(dataCompareAction);
  registry.register(dataSyncWaitAction);
  registry.register(configSetAction);
  registry.register(configVerifyAction);
  registry.register(shellAction);
  registry.register(waitAction);
  return registry;
}
