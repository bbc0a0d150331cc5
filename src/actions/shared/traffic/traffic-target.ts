import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../../../core/plan/duration.js';
import { TminusError } from '../../../core/tminus-error.js';
import type { ActionContext } from '../../../engine/action.js';
import { HaproxyProvider } from './haproxy-provider.js';
import type { HaproxyEndpoint } from './haproxy-runtime.js';
import { NginxProvider } from './nginx-provider.js';
import { ProxyProvider } from './proxy-provider.js';
import type { TrafficProvider } from './traffic-provider.js';

/** A duration text (`30s`, `1m30s`) or a `${env:…}` reference resolved before execution. */
export const durationText = () =>
  z.string().regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as 30s, 5m or 1h30m' });

/** Milliseconds of a duration param that the schema has already checked. */
export const durationMs = (text: string | undefined, fallback: number): number =>
  text === undefined ? fallback : (parseDuration(text) ?? fallback);

const NAME = /^[A-Za-z0-9_.:-]+$/;

/** Is this a safe balancer object name (HAProxy backend/server, label)? Nothing that could end a command. */
export const isSafeName = (name: string): boolean => NAME.test(name);

/** A backend, server or label name: HAProxy's identifier characters only, so it cannot inject a command. */
export const serverName = () => z.string().regex(NAME, { error: 'a name: letters, digits and _ . : - only' });

/** The HAProxy runtime API: a unix socket or a TCP stats socket, and the backend to steer. */
export const haproxyTargetShape = {
  provider: z.literal('haproxy'),
  socket: z.string().min(1).optional().meta({ description: 'Path of the `stats socket ... level admin`.' }),
  address: z.string().min(1).optional().meta({
    description: 'host:port of a TCP stats socket (`stats socket ipv4@127.0.0.1:9999 level admin`).',
  }),
  connection: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'A `connections:` entry of kind haproxy (url unix:///path or tcp://host:port).' }),
  backend: serverName(),
  stateFile: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The `server-state-file` to save after each change so a reload keeps it.' }),
  timeout: durationText().optional(),
};

/** nginx OSS: an upstream include file tminus owns, checked with `nginx -t` and reloaded. */
export const nginxTargetShape = {
  provider: z.literal('nginx'),
  file: z
    .string()
    .min(1)
    .meta({ description: 'The include file holding the upstream block (tminus rewrites it).' }),
  upstream: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'an upstream name: letters, digits, _ . -' }),
  servers: z
    .record(
      z.string(),
      z.string().regex(/^(?:unix:[^\s;{}]+|[A-Za-z0-9_.:[\]-]+)$/, { error: 'host:port or unix:/path' }),
    )
    .superRefine((r, ctx) => {
      if (Object.keys(r).length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one server' });
      for (const label of Object.keys(r)) {
        if (!/^[A-Za-z0-9_.-]+$/.test(label)) {
          ctx.addIssue({
            code: 'custom',
            path: [label],
            message: `server label '${label}': letters, digits, _ . - only`,
          });
        }
      }
    })
    .meta({ description: 'Server label → host:port.' }),
  backup: z
    .array(z.string().min(1))
    .optional()
    .meta({ description: 'Labels of backup servers (maintenance page).' }),
  directives: z
    .array(z.string().regex(/^[^{};\n]+;?$/, { error: 'one directive, without { } or ; inside' }))
    .optional()
    .meta({ description: 'Extra lines in the block, e.g. keepalive 16.' }),
  nginx: z.string().min(1).optional().meta({ description: 'The nginx binary (default nginx).' }),
  args: z
    .array(z.string())
    .optional()
    .meta({ description: 'Arguments selecting the configuration, e.g. [-c, /etc/nginx/nginx.conf].' }),
  pidFile: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The master pid file (default: `pid` of the -c file).' }),
  timeout: durationText().optional(),
};

/** AWS ALB weighted target groups on a listener's default action or on one rule. */
export const albTargetShape = {
  provider: z.literal('alb'),
  region: z.string().min(1),
  listenerArn: z.string().min(1).optional(),
  ruleArn: z.string().min(1).optional(),
  targetGroups: z
    .record(z.string().min(1), z.string().min(1))
    .refine((r) => Object.keys(r).length > 0, { error: 'name at least one target group' })
    .meta({ description: 'Label → target group ARN; the labels are what weights, from and to name.' }),
  endpoint: z.string().min(1).optional().meta({ description: 'Custom endpoint (e.g. a VPC endpoint).' }),
};

/** The built-in HTTP proxy (the traffic switch of `tminus demo`), steered over its admin API. */
export const proxyTargetShape = {
  provider: z.literal('proxy'),
  admin: z.string().min(1).meta({
    description: 'Base URL of the proxy admin API, e.g. http://127.0.0.1:8081 (or a ${env:…} reference).',
  }),
  timeout: durationText().optional(),
};

export const haproxyTarget = z.strictObject(haproxyTargetShape);
export const albTarget = z.strictObject(albTargetShape);
export const nginxTarget = z.strictObject(nginxTargetShape);
export const proxyTarget = z.strictObject(proxyTargetShape);

/** The load balancer a traffic action steers, by provider. */
export type TargetParams =
  | z.infer<typeof haproxyTarget>
  | z.infer<typeof nginxTarget>
  | z.infer<typeof albTarget>
  | z.infer<typeof proxyTarget>;

/**
 * One strict parameter object per provider with the action's own fields added, for a discriminated union on
 * `provider` (so `tminus validate` names the unknown key of the right provider).
 */
export function targetSchemas<S extends z.ZodRawShape>(extra: S) {
  return [
    z.strictObject({ ...haproxyTargetShape, ...extra }),
    z.strictObject({ ...nginxTargetShape, ...extra }),
    z.strictObject({ ...albTargetShape, ...extra }),
    z.strictObject({ ...proxyTargetShape, ...extra }),
  ] as const;
}

/**
 * Cross-field rules of the target, for the actions' `superRefine`, so that `tminus validate` reports them
 * before the night (the same rules are enforced again when the provider is built).
 */
export function refineTarget(p: TargetParams, ctx: z.RefinementCtx): void {
  if (
    p.provider === 'haproxy' &&
    [p.socket, p.address, p.connection].filter((v) => v !== undefined).length !== 1
  ) {
    ctx.addIssue({
      code: 'custom',
      path: p.socket === undefined ? ['socket'] : ['address'],
      message: 'give exactly one of `socket` (unix path), `address` (host:port) or `connection`',
    });
  }
  if (p.provider === 'alb' && (p.listenerArn === undefined) === (p.ruleArn === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: p.listenerArn === undefined ? ['listenerArn'] : ['ruleArn'],
      message: 'give exactly one of `listenerArn` or `ruleArn`',
    });
  }
  if (p.provider === 'nginx') {
    (p.backup ?? []).forEach((b, i) => {
      if (!(b in p.servers)) {
        ctx.addIssue({ code: 'custom', path: ['backup', i], message: `'${b}' is not one of servers` });
      }
    });
  }
}

/** Extra dependencies: an AWS SDK client factory (a custom request handler in tests, a proxy in a lab). */
export interface ProviderDeps {
  readonly elbv2Client?: (config: { region: string; endpoint?: string }) => ElasticLoadBalancingV2Client;
}

/** Where the HAProxy runtime API is: `socket`, `address`, or the url of a haproxy connection. */
function haproxyEndpoint(
  params: z.infer<typeof haproxyTarget>,
  ctx: ConnectionLookup | undefined,
): HaproxyEndpoint {
  const given = [params.socket, params.address, params.connection].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new TminusError(
      'TRAFFIC_BAD_TARGET',
      'haproxy needs exactly one of `socket`, `address` or `connection`',
    );
  }
  if (params.socket !== undefined) return { socket: params.socket };
  if (params.address !== undefined) return { address: params.address };
  if (!ctx) throw new TminusError('TRAFFIC_BAD_TARGET', 'a haproxy `connection` needs the run context');
  const c = ctx.connection(params.connection ?? '');
  const url = c.url ?? '';
  if (c.kind === 'haproxy' && url.startsWith('unix://')) return { socket: url.slice('unix://'.length) };
  if (c.kind === 'haproxy' && url.startsWith('tcp://')) {
    return { address: url.slice('tcp://'.length).replace(/\/$/, '') };
  }
  throw new TminusError(
    'TRAFFIC_BAD_TARGET',
    `connection '${c.name}' (${c.kind}) is not a haproxy runtime API url (unix:///path or tcp://host:port)`,
  );
}

/** What building a provider needs of the action context: named connections. */
export type ConnectionLookup = Pick<ActionContext, 'connection'>;

/** Builds the provider a traffic action's parameters describe. */
export async function createProvider(
  params: TargetParams,
  deps: ProviderDeps = {},
  ctx?: ConnectionLookup,
): Promise<TrafficProvider> {
  if (params.provider === 'alb') {
    if ((params.listenerArn === undefined) === (params.ruleArn === undefined)) {
      throw new TminusError('TRAFFIC_BAD_TARGET', 'alb needs exactly one of `listenerArn` or `ruleArn`');
    }
    // Loaded on demand: HAProxy and nginx users should not pay for the AWS SDK.
    const { AlbProvider } = await import('./alb-provider.js');
    const { ElasticLoadBalancingV2Client: Client } =
      await import('@aws-sdk/client-elastic-load-balancing-v2');
    const config = { region: params.region, ...(params.endpoint ? { endpoint: params.endpoint } : {}) };
    return new AlbProvider({
      client: deps.elbv2Client ? deps.elbv2Client(config) : new Client(config),
      listenerArn: params.listenerArn,
      ruleArn: params.ruleArn,
      targetGroups: params.targetGroups,
    });
  }
  if (params.provider === 'proxy') {
    return new ProxyProvider({ admin: params.admin, timeoutMs: durationMs(params.timeout, 5_000) });
  }
  if (params.provider === 'nginx') {
    const unknown = (params.backup ?? []).filter((b) => !(b in params.servers));
    if (unknown.length > 0) {
      throw new TminusError('TRAFFIC_BAD_TARGET', `backup names unknown server(s): ${unknown.join(', ')}`);
    }
    return new NginxProvider({
      file: params.file,
      upstream: params.upstream,
      servers: params.servers,
      ...(params.backup ? { backup: params.backup } : {}),
      ...(params.directives ? { directives: params.directives } : {}),
      binary: params.nginx ?? 'nginx',
      args: params.args ?? [],
      pidFile: params.pidFile,
      timeoutMs: durationMs(params.timeout, 30_000),
    });
  }
  return new HaproxyProvider({
    endpoint: haproxyEndpoint(params, ctx),
    backend: params.backend,
    ...(params.stateFile !== undefined ? { stateFile: params.stateFile } : {}),
    timeoutMs: durationMs(params.timeout, 5_000),
  });
}

/** The balancer object a traffic action steers, named alike in forward and rollback steps (rollback coverage). */
export function targetName(
  p:
    | Pick<z.infer<typeof haproxyTarget>, 'provider' | 'socket' | 'address' | 'connection' | 'backend'>
    | Pick<z.infer<typeof nginxTarget>, 'provider' | 'file' | 'upstream'>
    | Pick<z.infer<typeof proxyTarget>, 'provider' | 'admin'>
    | {
        readonly provider: 'alb';
        readonly region: string;
        readonly listenerArn?: string;
        readonly ruleArn?: string;
      },
): string {
  switch (p.provider) {
    case 'haproxy':
      return `haproxy ${p.socket ?? p.address ?? `connection ${p.connection}`} backend ${p.backend}`;
    case 'nginx':
      return `nginx ${p.file} upstream ${p.upstream}`;
    case 'proxy':
      return `proxy ${p.admin}`;
    case 'alb':
      return `alb ${p.region} ${p.ruleArn ?? p.listenerArn ?? ''}`.trimEnd();
  }
}
