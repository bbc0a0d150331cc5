import { Readable } from 'node:stream';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';

interface FakeSet {
  name: string;
  type: string;
  ttl: number;
  values: string[];
  /** Raw extra XML inside the ResourceRecordSet (SetIdentifier, Weight, AliasTarget...). */
  extra?: string;
}

interface SdkRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tags = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
const unesc = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/**
 * A Route 53 hosted zone behind the real AWS SDK v3 client, at its HTTP boundary (a custom `requestHandler`):
 * ListResourceRecordSets, ChangeResourceRecordSets (all-or-nothing batches; DELETE must match the current
 * values and TTL exactly, CREATE must not exist — InvalidChangeBatch otherwise) and GetChange (PENDING for
 * `pendingPolls` polls, then INSYNC). Request and response shapes follow the Route 53 API reference
 * (2013-04-01, REST-XML).
 */
export class FakeRoute53 {
  readonly sets = new Map<string, FakeSet>();
  readonly requests: { method: string; path: string; body: string }[] = [];
  readonly changes = new Map<string, number>();
  /** Called before a change batch is applied: a test can edit the zone here (a concurrent change). */
  beforeChange: (() => void) | undefined;
  private counter = 0;
  private changeCounter = 0;

  constructor(
    readonly hostedZoneId: string,
    private readonly pendingPolls = 2,
  ) {}

  put(set: FakeSet): void {
    this.sets.set(`${set.name} ${set.type}`, set);
  }

  /** A real Route53Client wired to this fake (the provider's factory hook). */
  client(config: Route53ClientConfig): Route53Client {
    return new Route53Client({
      ...config,
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      maxAttempts: 1,
      requestHandler: { handle: (request: SdkRequest) => this.handle(request) } as never,
    });
  }

  private async handle(request: SdkRequest) {
    const body = typeof request.body === 'string' ? request.body : '';
    this.requests.push({ method: request.method, path: request.path, body });
    const reply = (statusCode: number, text: string) => ({
      response: {
        statusCode,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${++this.counter}` },
        body: Readable.from([Buffer.from(text)]),
      },
    });
    const error = (code: string, message: string, status = 400) =>
      reply(
        status,
        xml(
          `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>req-${this.counter}</RequestId></ErrorResponse>`,
        ),
      );
    const zonePath = `/2013-04-01/hostedzone/${this.hostedZoneId}/rrset`;
    const otherZone = /^\/2013-04-01\/hostedzone\/([^/]+)\//.exec(request.path);
    if (otherZone && otherZone[1] !== this.hostedZoneId) {
      return error('NoSuchHostedZone', `No hosted zone found with ID: ${otherZone[1]}`, 404);
    }
    if (request.method === 'GET' && request.path === zonePath) {
      const q = request.query ?? {};
      const key = `${String(q.name)} ${String(q.type)}`;
      const set = this.sets.get(key);
      const sets = set
        ? set.extra?.includes('<AliasTarget>')
          ? `<ResourceRecordSet><Name>${esc(set.name)}</Name><Type>${set.type}</Type>${set.extra}</ResourceRecordSet>`
          : `<ResourceRecordSet><Name>${esc(set.name)}</Name><Type>${set.type}</Type>${set.extra ?? ''}<TTL>${set.ttl}</TTL><ResourceRecords>${set.values.map((v) => `<ResourceRecord><Value>${esc(v)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet>`
        : '';
      return reply(
        200,
        xml(
          `<ListResourceRecordSetsResponse xmlns="${NS}"><ResourceRecordSets>${sets}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>20</MaxItems></ListResourceRecordSetsResponse>`,
        ),
      );
    }
    if (request.method === 'POST' && request.path.replace(/\/$/, '') === zonePath) {
      this.beforeChange?.();
      const next = new Map(this.sets);
      for (const change of tags(body, 'Change')) {
        const action = tags(change, 'Action')[0];
        const set: FakeSet = {
          name: unesc(tags(change, 'Name')[0] ?? ''),
          type: tags(change, 'Type')[0] ?? '',
          ttl: Number(tags(change, 'TTL')[0]),
          values: tags(change, 'Value').map(unesc),
        };
        const key = `${set.name} ${set.type}`;
        const current = next.get(key);
        if (action === 'DELETE') {
          const same =
            current &&
            current.ttl === set.ttl &&
            [...current.values].sort().join('\n') === [...set.values].sort().join('\n');
          if (!same) {
            return error(
              'InvalidChangeBatch',
              `[Tried to delete resource record set [name='${set.name}', type='${set.type}'] but the values provided do not match the current values]`,
            );
          }
          next.delete(key);
        } else if (action === 'CREATE') {
          if (current) {
            return error(
              'InvalidChangeBatch',
              `[Tried to create resource record set [name='${set.name}', type='${set.type}'] but it already exists]`,
            );
          }
          next.set(key, set);
        } else {
          next.set(key, set);
        }
      }
      this.sets.clear();
      for (const [k, v] of next) this.sets.set(k, v);
      const id = `C${String(++this.changeCounter).padStart(12, '0')}`;
      this.changes.set(id, 0);
      return reply(
        200,
        xml(
          `<ChangeResourceRecordSetsResponse xmlns="${NS}"><ChangeInfo><Id>/change/${id}</Id><Status>PENDING</Status><SubmittedAt>2026-11-21T03:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
        ),
      );
    }
    const change = /^\/2013-04-01\/change\/(.+)$/.exec(request.path);
    if (request.method === 'GET' && change) {
      const id = change[1]!;
      const polls = this.changes.get(id);
      if (polls === undefined) {
        return error('NoSuchChange', `A change with the specified change ID does not exist.`);
      }
      this.changes.set(id, polls + 1);
      const status = polls + 1 > this.pendingPolls ? 'INSYNC' : 'PENDING';
      return reply(
        200,
        xml(
          `<GetChangeResponse xmlns="${NS}"><ChangeInfo><Id>/change/${id}</Id><Status>${status}</Status><SubmittedAt>2026-11-21T03:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>`,
        ),
      );
    }
    return error('InvalidInput', `unexpected request ${request.method} ${request.path}`);
  }
}
