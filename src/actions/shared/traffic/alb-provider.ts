import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { TminusError } from '../../../core/tminus-error.js';
import type { ServerChange, ServerSettings, TrafficProvider } from './traffic-provider.js';

export interface AlbProviderOptions {
  readonly client: ElasticLoadBalancingV2Client;
  /** The listener whose default action forwards, or a rule of it (exactly one). */
  readonly listenerArn?: string | undefined;
  readonly ruleArn?: string | undefined;
  /** Label → target group ARN. */
  readonly targetGroups: Readonly<Record<string, string>>;
}

/** Wraps an SDK failure into a TminusError that names the call and AWS's error code. */
export function awsError(call: string, error: unknown): TminusError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return new TminusError(
    'AWS_REQUEST_FAILED',
    `${call} failed: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`,
    {
      cause: error,
      hint:
        e.name === 'CredentialsProviderError'
          ? 'no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY'
          : e.name === 'AccessDenied' || e.name === 'AccessDeniedException'
            ? 'the credentials lack elasticloadbalancing:Describe*/Modify* permissions'
            : undefined,
    },
  );
}

/**
 * AWS Application Load Balancer weighted target groups: reads the forward action of a listener's default
 * actions (or of one rule) and rewrites its `ForwardConfig.TargetGroups` weights with ModifyListener /
 * ModifyRule. Other actions of the list, target groups tminus was not told about, and group stickiness are
 * kept as they are. ALB has no drain state: weight 0 stops new requests, and the target group's
 * deregistration delay covers in-flight ones.
 */
export class AlbProvider implements TrafficProvider {
  readonly maxWeight = 999;

  constructor(private readonly options: AlbProviderOptions) {}

  get target(): string {
    return this.options.ruleArn
      ? `alb rule ${this.options.ruleArn}`
      : `alb listener ${this.options.listenerArn ?? ''}`;
  }

  async #actions(signal: AbortSignal): Promise<Action[]> {
    const { client, listenerArn, ruleArn } = this.options;
    if (ruleArn) {
      const out = await client
        .send(new DescribeRulesCommand({ RuleArns: [ruleArn] }), { abortSignal: signal })
        .catch((e: unknown) => {
          throw awsError('DescribeRules', e);
        });
      const rule = out.Rules?.[0];
      if (!rule) throw new TminusError('TRAFFIC_BAD_TARGET', `no ALB rule ${ruleArn}`);
      return rule.Actions ?? [];
    }
    const out = await client
      .send(new DescribeListenersCommand({ ListenerArns: [listenerArn ?? ''] }), { abortSignal: signal })
      .catch((e: unknown) => {
        throw awsError('DescribeListeners', e);
      });
    const listener = out.Listeners?.[0];
    if (!listener) throw new TminusError('TRAFFIC_BAD_TARGET', `no ALB listener ${listenerArn ?? ''}`);
    return listener.DefaultActions ?? [];
  }

  #forward(actions: readonly Action[]): Action {
    const forward = actions.find((a) => a.Type === 'forward');
    if (!forward) {
      throw new TminusError(
        'TRAFFIC_BAD_TARGET',
        `${this.target} has no forward action (found: ${actions.map((a) => a.Type).join(', ') || 'none'})`,
      );
    }
    return forward;
  }

  /** Weight by target group ARN; a plain `TargetGroupArn` forward is weight 1 for that group. */
  #weights(forward: Action): Map<string, number> {
    const groups = forward.ForwardConfig?.TargetGroups;
    if (groups && groups.length > 0) {
      return new Map(groups.map((g) => [g.TargetGroupArn ?? '', g.Weight ?? 1]));
    }
    return new Map(forward.TargetGroupArn ? [[forward.TargetGroupArn, 1]] : []);
  }

  async read(signal: AbortSignal): Promise<ServerSettings> {
    const weights = this.#weights(this.#forward(await this.#actions(signal)));
    return Object.fromEntries(
      Object.entries(this.options.targetGroups).map(([label, arn]) => [
        label,
        { weight: weights.get(arn) ?? 0, state: 'ready' as const },
      ]),
    );
  }

  async apply(changes: Readonly<Record<string, ServerChange>>, signal: AbortSignal): Promise<void> {
    const notReady = Object.entries(changes).filter(([, c]) => c.state !== undefined && c.state !== 'ready');
    if (notReady.length > 0) {
      throw new TminusError(
        'TRAFFIC_BAD_TARGET',
        `ALB target groups have no drain or maintenance state (${notReady.map(([n]) => n).join(', ')})`,
        {
          hint: 'use weight 0: the target group deregistration delay lets in-flight requests finish',
        },
      );
    }
    const actions = await this.#actions(signal);
    const forward = this.#forward(actions);
    const weights = this.#weights(forward);
    for (const [label, change] of Object.entries(changes)) {
      const arn = this.options.targetGroups[label];
      if (arn !== undefined && change.weight !== undefined) weights.set(arn, change.weight);
    }
    // A plain TargetGroupArn and a ForwardConfig must not disagree: the weighted form replaces it.
    const rest: Action = { ...forward };
    delete rest.TargetGroupArn;
    const updated: Action = {
      ...rest,
      ForwardConfig: {
        ...forward.ForwardConfig,
        TargetGroups: [...weights].map(([arn, weight]) => ({ TargetGroupArn: arn, Weight: weight })),
      },
    };
    const next = actions.map((a) => (a === forward ? updated : a));
    const { client, listenerArn, ruleArn } = this.options;
    if (ruleArn) {
      await client
        .send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: next }), { abortSignal: signal })
        .catch((e: unknown) => {
          throw awsError('ModifyRule', e);
        });
    } else {
      await client
        .send(new ModifyListenerCommand({ ListenerArn: listenerArn ?? '', DefaultActions: next }), {
          abortSignal: signal,
        })
        .catch((e: unknown) => {
          throw awsError('ModifyListener', e);
        });
    }
  }
}
