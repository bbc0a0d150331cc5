import type { ActionDefinition } from '../engine/action.js';
import type { ActionLookup } from '../engine/run-action.js';

/** Loads one action's module (its parameter schema, its code; its drivers still load on first use). */
type ActionLoader = () => Promise<ActionDefinition<never>>;

/** A loader of an action with parameters of its own, kept with the others (as `ActionRegistry.register` does). */
const loader = <P>(load: () => Promise<ActionDefinition<P>>): ActionLoader => load as unknown as ActionLoader;

/**
 * Every action shipped with tminus, by type, each imported on demand: the bundled CLI keeps each in a chunk
 * of its own, so a run loads only the actions its plan uses. The same actions as `builtinActions()` (which
 * imports them all, for validation and listing); a test keeps the two lists equal.
 */
export const BUILTIN_ACTION_LOADERS: Readonly<Record<string, ActionLoader>> = {
  'http.check': loader(async () => (await import('./http-check/http-check-action.js')).httpCheckAction),
  'tcp.check': loader(async () => (await import('./tcp-check/tcp-check-action.js')).tcpCheckAction),
  'tls.check': loader(async () => (await import('./tls-check/tls-check-action.js')).tlsCheckAction),
  'sql.query': loader(async () => (await import('./sql-query/sql-query-action.js')).sqlQueryAction),
  'sql.assert': loader(async () => (await import('./sql-assert/sql-assert-action.js')).sqlAssertAction),
  notify: loader(async () => (await import('./notify/notify-action.js')).notifyAction),
  smoke: loader(async () => (await import('./smoke/smoke-action.js')).smokeAction),
  'traffic.shift': loader(
    async () => (await import('./traffic-shift/traffic-shift-action.js')).trafficShiftAction,
  ),
  'metrics.query': loader(
    async () => (await import('./metrics-query/metrics-query-action.js')).metricsQueryAction,
  ),
  'traffic.maintenance': loader(
    async () =>
      (await import('./traffic-maintenance/traffic-maintenance-action.js')).trafficMaintenanceAction,
  ),
  'dns.update': loader(async () => (await import('./dns-update/dns-update-action.js')).dnsUpdateAction),
  'dns.query': loader(async () => (await import('./dns-query/dns-query-action.js')).dnsQueryAction),
  'dns.verify': loader(async () => (await import('./dns-verify/dns-verify-action.js')).dnsVerifyAction),
  'dns.lower-ttl': loader(
    async () => (await import('./dns-lower-ttl/dns-lower-ttl-action.js')).dnsLowerTtlAction,
  ),
  'data.compare': loader(
    async () => (await import('./data-compare/data-compare-action.js')).dataCompareAction,
  ),
  'data.sync-wait': loader(
    async () => (await import('./data-sync-wait/data-sync-wait-action.js')).dataSyncWaitAction,
  ),
  'config.set': loader(async () => (await import('./config-set/config-set-action.js')).configSetAction),
  'config.verify': loader(
    async () => (await import('./config-verify/config-verify-action.js')).configVerifyAction,
  ),
  shell: loader(async () => (await import('./shell/shell-action.js')).shellAction),
  wait: loader(async () => (await import('./wait/wait-action.js')).waitAction),
};

/**
 * The built-in actions, none loaded until asked for: `load` imports those of the given types (a run's plan's,
 * see `loadActions`), after which `get` finds them. Loading each module costs its schemas and code, which a
 * process about to run a plan of one action type need not pay for twenty.
 *
 * @example
 * const actions = lazyBuiltinActions();
 * await actions.load(['shell']);
 * actions.get('shell'); // the shell action; actions.get('dns.update') is undefined (not loaded)
 */
export function lazyBuiltinActions(
  loaders: Readonly<Record<string, ActionLoader>> = BUILTIN_ACTION_LOADERS,
): ActionLookup & { load(types: readonly string[]): Promise<void> } {
  const loaded = new Map<string, ActionDefinition<unknown>>();
  return {
    get: (type) => loaded.get(type),
    async load(types) {
      const missing = types.filter((t) => !loaded.has(t) && Object.hasOwn(loaders, t));
      const actions = await Promise.all(missing.map((t) => loaders[t]!()));
      missing.forEach((t, i) => loaded.set(t, actions[i] as unknown as ActionDefinition<unknown>));
    },
  };
}
