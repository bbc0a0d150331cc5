import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';

/** One target group of a forward action, as the fake ALB stores it. */
export interface FakeTargetGroup {
  arn: string;
  weight: number;
}

/** A forward action plus the other actions around it, like a listener's DefaultActions or a rule's Actions. */
export interface FakeActions {
  forward: FakeTargetGroup[];
  /** An action before the forward one (e.g. authenticate-oidc) that must survive a shift untouched. */
  leading?: { type: string; order: number };
  stickinessSeconds?: number;
}

/** A listener rule as the fake stores it (fixed-response maintenance rules, or forward rules to leave alone). */
export interface FakeListenerRule {
  arn: string;
  priority: string;
  paths: string[];
  hosts?: string[];
  fixed?: { status: string; contentType: string; body: string };
  forwardArn?: string;
}

/** A request the fake received: the Query-protocol action and its form fields. */
export interface FakeCall {
  readonly action: string;
  readonly fields: Readonly<Record<string, string>>;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

function actionsXml(a: FakeActions): string {
  const leading = a.leading
    ? `<member><Type>${a.leading.type}</Type><Order>${a.leading.order}</Order></member>`
    : '';
  const groups = a.forward
    .map(
      (g) =>
        `<member><TargetGroupArn>${xmlEscape(g.arn)}</TargetGroupArn><Weight>${g.weight}</Weight></member>`,
    )
    .join('');
  const sticky =
    a.stickinessSeconds === undefined
      ? '<TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig>'
      : `<TargetGroupStickinessConfig><Enabled>true</Enabled><DurationSeconds>${a.stickinessSeconds}</DurationSeconds></TargetGroupStickinessConfig>`;
  return `${leading}<member><Type>forward</Type><Order>${(a.leading?.order ?? 0) + 1}</Order><ForwardConfig><TargetGroups>${groups}</TargetGroups>${sticky}</ForwardConfig></member>`;
}

/** Reads `Prefix.member.N.…` form fields back into actions (the inverse of the SDK's Query serializer). */
function parseActions(fields: Readonly<Record<string, string>>, prefix: string): FakeActions {
  const result: FakeActions = { forward: [] };
  for (let i = 1; fields[`${prefix}.member.${i}.Type`] !== undefined; i++) {
    const p = `${prefix}.member.${i}`;
    const type = fields[`${p}.Type`] ?? '';
    if (type !== 'forward') {
      result.leading = { type, order: Number(fields[`${p}.Order`] ?? 0) };
      continue;
    }
    for (let j = 1; fields[`${p}.ForwardConfig.TargetGroups.member.${j}.TargetGroupArn`] !== undefined; j++) {
      const g = `${p}.ForwardConfig.TargetGroups.member.${j}`;
      result.forward.push({
        arn: fields[`${g}.TargetGroupArn`] ?? '',
        weight: Number(fields[`${g}.Weight`] ?? 1),
      });
    }
    if (fields[`${p}.ForwardConfig.TargetGroupStickinessConfig.Enabled`] === 'true') {
      result.stickinessSeconds = Number(
        fields[`${p}.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds`],
      );
    }
  }
  return result;
}

/**
 * A fake AWS ELBv2 (ALB) API at the SDK boundary: a custom request handler that speaks the Query protocol
 * (form-encoded requests, XML responses shaped as in the ELBv2 API reference) for DescribeListeners,
 * ModifyListener, DescribeRules and ModifyRule, over in-memory listeners and rules. No network.
 */
export class FakeElbv2 {
  readonly listeners = new Map<string, FakeActions>();
  readonly rules = new Map<string, FakeActions>();
  /** Rules by listener ARN, for DescribeRules(ListenerArn), CreateRule and DeleteRule. */
  readonly listenerRules = new Map<string, FakeListenerRule[]>();
  #nextRule = 1;
  readonly calls: FakeCall[] = [];
  /** When set, every request fails with this AWS error code and HTTP status. */
  failWith: { code: string; message: string; status: number } | undefined;

  client(
    config: { region: string; endpoint?: string } = { region: 'eu-west-1' },
  ): ElasticLoadBalancingV2Client {
    return new ElasticLoadBalancingV2Client({
      ...config,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: { body?: unknown }) => ({
          response: this.#respond(String(request.body ?? '')),
        }),
      },
    });
  }

  #respond(body: string) {
    const fields = Object.fromEntries(new URLSearchParams(body));
    const action = fields.Action ?? '';
    this.calls.push({ action, fields });
    const reply = (status: number, xml: string) => ({
      statusCode: status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'req-1' },
      body: new TextEncoder().encode(xml),
    });
    const error = (status: number, code: string, message: string) =>
      reply(
        status,
        `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
      );
    if (this.failWith) return error(this.failWith.status, this.failWith.code, this.failWith.message);
    const wrap = (result: string) =>
      reply(
        200,
        `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`,
      );
    const listenerXml = (arn: string, a: FakeActions) =>
      `<member><ListenerArn>${xmlEscape(arn)}</ListenerArn><Port>443</Port><Protocol>HTTPS</Protocol><DefaultActions>${actionsXml(a)}</DefaultActions></member>`;
    const ruleXml = (arn: string, a: FakeActions) =>
      `<member><RuleArn>${xmlEscape(arn)}</RuleArn><Priority>10</Priority><IsDefault>false</IsDefault><Actions>${actionsXml(a)}</Actions></member>`;
    switch (action) {
      case 'DescribeListeners': {
        const arn = fields['ListenerArns.member.1'] ?? '';
        const l = this.listeners.get(arn);
        if (!l) return error(400, 'ListenerNotFound', 'One or more listeners not found');
        return wrap(`<Listeners>${listenerXml(arn, l)}</Listeners>`);
      }
      case 'ModifyListener': {
        const arn = fields.ListenerArn ?? '';
        if (!this.listeners.has(arn)) {
          return error(400, 'ListenerNotFound', 'One or more listeners not found');
        }
        const next = parseActions(fields, 'DefaultActions');
        const bad = next.forward.find((g) => g.weight < 0 || g.weight > 999);
        if (bad) return error(400, 'ValidationError', `Weight ${bad.weight} is out of range 0-999`);
        this.listeners.set(arn, next);
        return wrap(`<Listeners>${listenerXml(arn, next)}</Listeners>`);
      }
      case 'DescribeRules': {
        if (fields.ListenerArn !== undefined) {
          const list = this.listenerRules.get(fields.ListenerArn);
          if (!list) return error(400, 'ListenerNotFound', 'One or more listeners not found');
          const members = [
            ...list,
            { arn: `${fields.ListenerArn}/default`, priority: 'default', paths: [] } as FakeListenerRule,
          ]
            .map((r) => {
              const conditions = [
                ...(r.paths.length
                  ? [
                      `<member><Field>path-pattern</Field><PathPatternConfig><Values>${r.paths.map((v) => `<member>${xmlEscape(v)}</member>`).join('')}</Values></PathPatternConfig></member>`,
                    ]
                  : []),
                ...(r.hosts
                  ? [
                      `<member><Field>host-header</Field><HostHeaderConfig><Values>${r.hosts.map((v) => `<member>${xmlEscape(v)}</member>`).join('')}</Values></HostHeaderConfig></member>`,
                    ]
                  : []),
              ].join('');
              const action = r.fixed
                ? `<member><Type>fixed-response</Type><FixedResponseConfig><StatusCode>${r.fixed.status}</StatusCode><ContentType>${r.fixed.contentType}</ContentType><MessageBody>${xmlEscape(r.fixed.body)}</MessageBody></FixedResponseConfig></member>`
                : `<member><Type>forward</Type><TargetGroupArn>${xmlEscape(r.forwardArn ?? 'arn:tg')}</TargetGroupArn></member>`;
              return `<member><RuleArn>${xmlEscape(r.arn)}</RuleArn><Priority>${r.priority}</Priority><IsDefault>${r.priority === 'default'}</IsDefault><Conditions>${conditions}</Conditions><Actions>${action}</Actions></member>`;
            })
            .join('');
          return wrap(`<Rules>${members}</Rules>`);
        }
        const arn = fields['RuleArns.member.1'] ?? '';
        const r = this.rules.get(arn);
        if (!r) return error(400, 'RuleNotFound', 'One or more rules not found');
        return wrap(`<Rules>${ruleXml(arn, r)}</Rules>`);
      }
      case 'ModifyRule': {
        const arn = fields.RuleArn ?? '';
        if (!this.rules.has(arn)) return error(400, 'RuleNotFound', 'One or more rules not found');
        const next = parseActions(fields, 'Actions');
        this.rules.set(arn, next);
        return wrap(`<Rules>${ruleXml(arn, next)}</Rules>`);
      }
      case 'CreateRule': {
        const list = this.listenerRules.get(fields.ListenerArn ?? '');
        if (!list) return error(400, 'ListenerNotFound', 'One or more listeners not found');
        if (list.some((r) => r.priority === fields.Priority)) {
          return error(400, 'PriorityInUse', `Priority '${fields.Priority}' is currently in use`);
        }
        const values = (prefix: string) => {
          const out: string[] = [];
          for (let j = 1; fields[`${prefix}.Values.member.${j}`] !== undefined; j++) {
            out.push(fields[`${prefix}.Values.member.${j}`] ?? '');
          }
          return out;
        };
        const rule: FakeListenerRule = {
          arn: `${fields.ListenerArn ?? ''}/rule-${this.#nextRule++}`,
          priority: fields.Priority ?? '',
          paths: [],
        };
        for (let i = 1; fields[`Conditions.member.${i}.Field`] !== undefined; i++) {
          const field = fields[`Conditions.member.${i}.Field`];
          if (field === 'path-pattern') rule.paths = values(`Conditions.member.${i}.PathPatternConfig`);
          if (field === 'host-header') rule.hosts = values(`Conditions.member.${i}.HostHeaderConfig`);
        }
        if (fields['Actions.member.1.Type'] === 'fixed-response') {
          rule.fixed = {
            status: fields['Actions.member.1.FixedResponseConfig.StatusCode'] ?? '',
            contentType: fields['Actions.member.1.FixedResponseConfig.ContentType'] ?? '',
            body: fields['Actions.member.1.FixedResponseConfig.MessageBody'] ?? '',
          };
        }
        list.push(rule);
        return wrap(
          `<Rules><member><RuleArn>${xmlEscape(rule.arn)}</RuleArn><Priority>${rule.priority}</Priority></member></Rules>`,
        );
      }
      case 'DeleteRule': {
        for (const list of this.listenerRules.values()) {
          const i = list.findIndex((r) => r.arn === fields.RuleArn);
          if (i >= 0) {
            list.splice(i, 1);
            return wrap('');
          }
        }
        return error(400, 'RuleNotFound', 'One or more rules not found');
      }
      default:
        return error(400, 'InvalidAction', `unsupported action ${action}`);
    }
  }
}
