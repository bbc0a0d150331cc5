import { z } from 'zod';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext, ActionDefinition, PlannedChange } from '../../engine/action.js';
import type { AlbMaintenanceOptions } from './alb-maintenance.js';
import { applySettings, checkDesired } from '../shared/traffic/apply-settings.js';
import { runStepCheck, stepCheckSchema } from '../shared/traffic/step-check.js';
import { awaitServing } from '../shared/traffic/await-serving.js';
import {
  createProvider,
  durationMs,
  durationText,
  refineTarget,
  serverName,
  targetSchemas,
  type ProviderDeps,
  targetName,
} from '../shared/traffic/traffic-target.js';
import {
  describeSetting,
  diffSettings,
  type ServerChange,
  type ServerSettings,
  type TrafficProvider,
} from '../shared/traffic/traffic-provider.js';

const maintenanceShape = {
  mode: z
    .enum(['on', 'off'])
    .meta({ description: 'on: the maintenance page takes all traffic; off: back to the app.' }),
  page: serverName().meta({
    description:
      'The maintenance server: an HAProxy `backup` server, an nginx server listed in `backup`, or a backup (page or hold) server of the built-in proxy.',
  }),
  appServers: z.array(serverName()).min(1).optional().meta({
    description: 'The application servers to take out (default: every server but the page and backups).',
  }),
  check: stepCheckSchema
    .optional()
    .meta({ description: 'Probe after the switch, e.g. { url: ..., status: 503, contains: maintenance }.' }),
  readyTimeout: durationText()
    .optional()
    .meta({ description: 'How long the side coming up may take to pass its health check (default 30s).' }),
};

const [haproxyMaintenance, nginxMaintenance, , proxyMaintenance] = targetSchemas(maintenanceShape);

/** ALB: a fixed-response listener rule at a chosen priority, created for `on` and deleted for `off`. */
const albMaintenanceParams = z.strictObject({
  provider: z.literal('alb'),
  region: z.string().min(1),
  listenerArn: z.string().min(1),
  endpoint: z.string().min(1).optional(),
  mode: maintenanceShape.mode,
  priority: z
    .int()
    .min(1)
    .max(50_000)
    .optional()
    .meta({ description: 'Rule priority (default 1: before all others).' }),
  response: z
    .strictObject({
      status: z.int().min(200).max(599).optional(),
      contentType: z
        .enum(['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'])
        .optional(),
      body: z.string().max(1024).optional(),
    })
    .optional(),
  paths: z
    .array(z.string().min(1))
    .min(1)
    .max(5)
    .optional()
    .meta({ description: "Path patterns (default ['/*'])." }),
  hosts: z.array(z.string().min(1)).min(1).max(5).optional().meta({ description: 'Only these host names.' }),
  check: maintenanceShape.check,
});

export const trafficMaintenanceParams = z
  .discriminatedUnion('provider', [
    haproxyMaintenance,
    nginxMaintenance,
    albMaintenanceParams,
    proxyMaintenance,
  ])
  .superRefine((p, ctx) => {
    if (p.provider === 'alb') return;
    refineTarget(p, ctx);
    if (p.appServers?.includes(p.page)) {
      ctx.addIssue({
        code: 'custom',
        path: ['appServers'],
        message: `'${p.page}' is the page; it cannot also be taken out`,
      });
    }
    if (p.provider === 'nginx' && !(p.backup ?? []).includes(p.page)) {
      ctx.addIssue({
        code: 'custom',
        path: ['page'],
        message: `with nginx the page '${p.page}' must be listed in backup`,
      });
    }
  });
export type TrafficMaintenanceParams = z.infer<typeof trafficMaintenanceParams>;

/** The AWS load balancer side (its SDK) loads when an `alb` call runs, not with the declaration. */
const alb = () => import('./alb-maintenance.js');

type AlbMaintenanceParams = Extract<TrafficMaintenanceParams, { provider: 'alb' }>;
type ServerMaintenanceParams = Exclude<TrafficMaintenanceParams, { provider: 'alb' }>;

async function albOptions(params: AlbMaintenanceParams, deps: ProviderDeps): Promise<AlbMaintenanceOptions> {
  const { ElasticLoadBalancingV2Client: Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const config = { region: params.region, ...(params.endpoint ? { endpoint: params.endpoint } : {}) };
  return {
    client: deps.elbv2Client ? deps.elbv2Client(config) : new Client(config),
    listenerArn: params.listenerArn,
    priority: params.priority ?? 1,
    status: params.response?.status ?? 503,
    contentType: params.response?.contentType ?? 'text/plain',
    body: params.response?.body ?? 'Down for maintenance. Please come back soon.',
    paths: params.paths ?? ['/*'],
    hosts: params.hosts,
  };
}

async function runCheck(ctx: ActionContext, params: TrafficMaintenanceParams, target: string) {
  const check = params.check ? await runStepCheck(params.check, ctx.signal) : undefined;
  if (check && !check.ok) {
    throw new TminusError(
      'TRAFFIC_CHECK_FAILED',
      ctx.redact(
        `maintenance ${params.mode} is set on ${target} but the check failed: ${check.problem ?? ''}`,
      ),
      { hint: 'the balancer was left as set; run the opposite mode to undo' },
    );
  }
  return check?.problem !== undefined ? { ...check, problem: ctx.redact(check.problem) } : check;
}

/** Settings that put the page in front (`on`) or take it away (`off`); weights of app servers are kept. */
function maintenanceSettings(
  params: ServerMaintenanceParams,
  current: ServerSettings,
  backups: ReadonlySet<string>,
): Record<string, ServerChange> {
  const servers =
    params.appServers ?? Object.keys(current).filter((n) => n !== params.page && !backups.has(n));
  const desired: Record<string, ServerChange> = {};
  const pageWeight = Math.max(current[params.page]?.weight ?? 1, 1);
  if (params.mode === 'on') {
    desired[params.page] = { state: 'ready', weight: pageWeight };
    for (const n of servers) desired[n] = { state: 'maint' };
  } else {
    for (const n of servers) desired[n] = { state: 'ready' };
    desired[params.page] = { state: 'maint' };
  }
  return desired;
}

async function readChecked(provider: TrafficProvider, params: ServerMaintenanceParams, signal: AbortSignal) {
  const current = await provider.read(signal);
  if (!(params.page in current)) {
    throw new TminusError(
      'TRAFFIC_BAD_TARGET',
      `${provider.target} has no maintenance server '${params.page}'`,
      {
        hint: `known servers: ${Object.keys(current).join(', ')}`,
      },
    );
  }
  const backups = (await provider.backupServers?.(signal)) ?? new Set<string>();
  const desired = maintenanceSettings(params, current, backups);
  checkDesired(provider, current, desired);
  return { current, desired };
}

/**
 * `traffic.maintenance`: puts a maintenance page in front of the application (HAProxy: app servers to
 * `maint` so the `backup` page server answers; nginx: app servers `down` so the `backup` server answers) and
 * takes it away again, verified by reading the balancer back and optionally by a probe.
 */
export function createTrafficMaintenanceAction(
  deps: ProviderDeps = {},
): ActionDefinition<TrafficMaintenanceParams> {
  return {
    type: 'traffic.maintenance',
    description: 'puts a maintenance page in front of the application, or takes it away',
    params: trafficMaintenanceParams,
    idempotent: true,

    async plan(ctx, params) {
      if (params.provider === 'alb') {
        const o = await albOptions(params, deps);
        return {
          summary: `maintenance ${params.mode} on alb listener ${params.listenerArn}`,
          changes: await (await alb()).planAlbMaintenance(o, params.mode, ctx.signal),
        };
      }
      const provider = await createProvider(params, deps, ctx);
      const { current, desired } = await readChecked(provider, params, ctx.signal);
      const changes: PlannedChange[] = Object.entries(desired).map(([name, want]) => ({
        target: `${provider.target} server ${name}`,
        from: describeSetting(current[name]),
        to: describeSetting({
          weight: want.weight ?? current[name]?.weight ?? 0,
          state: want.state ?? 'ready',
        }),
      }));
      return { summary: `maintenance ${params.mode} on ${provider.target}`, changes };
    },

    async execute(ctx, params) {
      if (params.provider === 'alb') {
        const target = `alb listener ${params.listenerArn}`;
        const result = await (
          await alb()
        ).albMaintenance(await albOptions(params, deps), params.mode, ctx.signal);
        const check = await runCheck(ctx, params, target);
        return {
          summary: `maintenance ${params.mode} on ${target}${result.changed ? '' : ' (already)'}`,
          output: { target, mode: params.mode, ...result, ...(check ? { check } : {}) },
        };
      }
      const provider = await createProvider(params, deps, ctx);
      const { current, desired } = await readChecked(provider, params, ctx.signal);
      // Two phases, so that nobody meets a balancer with no server up: first bring up what will answer
      // (the page for `on`, the app for `off`) and wait for its health check, then take the other side out.
      const comingUp = Object.keys(desired).filter((n) => desired[n]?.state === 'ready');
      const first = Object.fromEntries(comingUp.map((n) => [n, desired[n] ?? {}]));
      await applySettings(provider, first, ctx.signal);
      await awaitServing(ctx, provider, comingUp, durationMs(params.readyTimeout, 30_000));
      const { after } = await applySettings(provider, desired, ctx.signal);
      const changed = Object.keys(diffSettings(current, desired)).length > 0;
      const check = await runCheck(ctx, params, provider.target);
      return {
        summary: `maintenance ${params.mode} on ${provider.target}${changed ? '' : ' (already)'}`,
        output: {
          target: provider.target,
          mode: params.mode,
          changed,
          before: current,
          after,
          ...(check ? { check } : {}),
        },
      };
    },

    undo(params, output) {
      if (output.changed !== true) {
        return { nothing: `maintenance was already ${params.mode} on ${String(output.target)} when it ran` };
      }
      return this.inverse!(params)!;
    },
    touches: (params) => [`maintenance page of ${targetName(params)}`],

    inverse(params) {
      // The probe expected the other mode's answer, so the inverse goes without it.
      const rest: Record<string, unknown> = { ...params };
      delete rest.check;
      return { action: 'traffic.maintenance', with: { ...rest, mode: params.mode === 'on' ? 'off' : 'on' } };
    },
  };
}

export const trafficMaintenanceAction = createTrafficMaintenanceAction();
