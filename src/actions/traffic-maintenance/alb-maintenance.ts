import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  type Rule,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { TminusError } from '../../core/tminus-error.js';
import type { PlannedChange } from '../../engine/action.js';
import { awsError } from '../shared/traffic/alb-provider.js';

export interface AlbMaintenanceOptions {
  readonly client: ElasticLoadBalancingV2Client;
  readonly listenerArn: string;
  readonly priority: number;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly paths: readonly string[];
  readonly hosts: readonly string[] | undefined;
}

/** The listener rule at our priority, if any, and whether it is a maintenance (fixed-response) rule. */
async function ruleAt(o: AlbMaintenanceOptions, signal: AbortSignal): Promise<Rule | undefined> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    const out = await o.client
      .send(new DescribeRulesCommand({ ListenerArn: o.listenerArn, Marker: marker }), { abortSignal: signal })
      .catch((e: unknown) => {
        throw awsError('DescribeRules', e);
      });
    rules.push(...(out.Rules ?? []));
    marker = out.NextMarker;
  } while (marker);
  return rules.find((r) => r.Priority === String(o.priority));
}

const isMaintenance = (rule: Rule) =>
  rule.Actions?.length === 1 && rule.Actions[0]?.Type === 'fixed-response';

function describeRule(rule: Rule | undefined): string {
  if (!rule) return 'no rule';
  const a = rule.Actions?.[0];
  return a?.Type === 'fixed-response'
    ? `fixed-response ${a.FixedResponseConfig?.StatusCode ?? '?'}`
    : `${rule.Actions?.map((x) => x.Type).join(', ') ?? 'no action'} rule`;
}

/**
 * Maintenance on an AWS ALB: a listener rule at a chosen priority answering every matching request with a
 * fixed response (503 by default). `on` creates it, `off` deletes it; a rule of another kind at that priority
 * is never touched, so a wrong priority cannot delete a routing rule.
 */
export async function albMaintenance(
  o: AlbMaintenanceOptions,
  mode: 'on' | 'off',
  signal: AbortSignal,
): Promise<{ changed: boolean; before: string; after: string; ruleArn: string | undefined }> {
  const existing = await ruleAt(o, signal);
  if (existing && !isMaintenance(existing)) {
    throw new TminusError(
      'TRAFFIC_BAD_TARGET',
      `priority ${o.priority} of the listener holds a ${describeRule(existing)} (${existing.RuleArn ?? '?'}), not a maintenance rule`,
      { hint: 'choose a free priority for the maintenance rule' },
    );
  }
  const before = describeRule(existing);
  if (mode === 'on' && existing) return { changed: false, before, after: before, ruleArn: existing.RuleArn };
  if (mode === 'off' && !existing) return { changed: false, before, after: before, ruleArn: undefined };
  if (mode === 'on') {
    const conditions: RuleCondition[] = [
      { Field: 'path-pattern', PathPatternConfig: { Values: [...o.paths] } },
    ];
    if (o.hosts) conditions.push({ Field: 'host-header', HostHeaderConfig: { Values: [...o.hosts] } });
    await o.client
      .send(
        new CreateRuleCommand({
          ListenerArn: o.listenerArn,
          Priority: o.priority,
          Conditions: conditions,
          Actions: [
            {
              Type: 'fixed-response',
              FixedResponseConfig: {
                StatusCode: String(o.status),
                ContentType: o.contentType,
                MessageBody: o.body,
              },
            },
          ],
        }),
        { abortSignal: signal },
      )
      .catch((e: unknown) => {
        throw awsError('CreateRule', e);
      });
  } else {
    await o.client
      .send(new DeleteRuleCommand({ RuleArn: existing?.RuleArn ?? '' }), { abortSignal: signal })
      .catch((e: unknown) => {
        throw awsError('DeleteRule', e);
      });
  }
  const now = await ruleAt(o, signal);
  if ((mode === 'on') !== (now !== undefined && isMaintenance(now))) {
    throw new TminusError(
      'TRAFFIC_NOT_APPLIED',
      `the ALB listener shows ${describeRule(now)} at priority ${o.priority} after maintenance ${mode}`,
    );
  }
  return { changed: true, before, after: describeRule(now), ruleArn: now?.RuleArn };
}

/** The dry-run view of `albMaintenance`. */
export async function planAlbMaintenance(
  o: AlbMaintenanceOptions,
  mode: 'on' | 'off',
  signal: AbortSignal,
): Promise<PlannedChange[]> {
  const existing = await ruleAt(o, signal);
  return [
    {
      target: `alb listener ${o.listenerArn} priority ${o.priority}`,
      from: describeRule(existing),
      to: mode === 'on' ? `fixed-response ${o.status}` : 'no rule',
      ...(existing && !isMaintenance(existing)
        ? { note: 'priority taken by another rule: the action will refuse' }
        : {}),
    },
  ];
}
