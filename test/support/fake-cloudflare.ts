import Cloudflare from 'cloudflare';
import type { ClientOptions } from 'cloudflare';

interface FakeRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
}

/**
 * A Cloudflare zone behind the official `cloudflare` SDK, at its HTTP boundary (the `fetch` option):
 * `GET /zones/:zone/dns_records` (filters `name.exact`, `type`) and `POST /zones/:zone/dns_records/batch`
 * (deletes, then posts). Shapes follow the Cloudflare API v4 reference (`success`, `errors`, `messages`,
 * `result`, `result_info`). `afterList` lets a test change the zone after the n-th listing (a concurrent edit).
 */
export class FakeCloudflare {
  readonly records: FakeRecord[] = [];
  readonly requests: { method: string; url: string; body: string; authorization: string }[] = [];
  afterList: ((n: number) => void) | undefined;
  private lists = 0;
  private counter = 0;

  constructor(
    readonly zoneId: string,
    readonly token: string,
  ) {}

  add(r: Omit<FakeRecord, 'id' | 'proxied'>): void {
    this.records.push({ ...r, id: `rec${++this.counter}`, proxied: false });
  }

  client(options: ClientOptions): Cloudflare {
    return new Cloudflare({
      ...options,
      fetch: (url: string | URL | Request, init?: RequestInit) => this.fetch(url, init),
    });
  }

  private respond(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  private async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? init.body : '';
    const headers = new Headers(init?.headers);
    const authorization = headers.get('authorization') ?? '';
    this.requests.push({ method, url: url.toString(), body, authorization });
    if (authorization !== `Bearer ${this.token}`) {
      return this.respond(403, {
        success: false,
        // Echoes the presented credential, as a careless gateway might: the client must redact it.
        errors: [{ code: 10000, message: `Authentication error: ${authorization}` }],
        messages: [],
        result: null,
      });
    }
    const base = `/client/v4/zones/${this.zoneId}/dns_records`;
    if (method === 'GET' && url.pathname === base) {
      const name = url.searchParams.get('name.exact');
      const type = url.searchParams.get('type');
      const page = Number(url.searchParams.get('page') ?? '1');
      const matching = this.records.filter((r) => (!name || r.name === name) && (!type || r.type === type));
      // One page holds everything here; later pages are empty, as the API answers past the last page.
      const result = page === 1 ? matching : [];
      this.afterList?.(++this.lists);
      return this.respond(200, {
        success: true,
        errors: [],
        messages: [],
        result,
        result_info: {
          page: 1,
          per_page: 100,
          count: result.length,
          total_count: result.length,
          total_pages: 1,
        },
      });
    }
    if (method === 'POST' && url.pathname === `${base}/batch`) {
      const batch = JSON.parse(body) as { deletes?: { id: string }[]; posts?: Omit<FakeRecord, 'id'>[] };
      const deleted: FakeRecord[] = [];
      for (const d of batch.deletes ?? []) {
        const i = this.records.findIndex((r) => r.id === d.id);
        if (i === -1) {
          return this.respond(400, {
            success: false,
            errors: [{ code: 81044, message: 'Record does not exist.' }],
            messages: [],
            result: null,
          });
        }
        deleted.push(...this.records.splice(i, 1));
      }
      const posts = (batch.posts ?? []).map((p) => ({
        ...p,
        id: `rec${++this.counter}`,
        proxied: p.proxied ?? false,
      }));
      this.records.push(...posts);
      return this.respond(200, {
        success: true,
        errors: [],
        messages: [],
        result: { deletes: deleted, patches: [], puts: [], posts },
      });
    }
    return this.respond(404, {
      success: false,
      errors: [{ code: 7003, message: 'Could not route' }],
      messages: [],
      result: null,
    });
  }
}
