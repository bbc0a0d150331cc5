import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ServerAdminState } from '../actions/shared/traffic/traffic-provider.js';
import { PROXY_MAX_WEIGHT } from '../actions/shared/traffic/proxy-provider.js';

/** One server behind the proxy: an application (`url`), or a backup that holds requests (no `url`). */
export interface ProxyServerConfig {
  readonly name: string;
  /** Base URL of the application server; absent for a hold server. */
  readonly url?: string;
  /** Used only when no application server is ready with a weight (a maintenance page, or a hold). */
  readonly backup?: boolean;
  readonly weight: number;
  readonly state: ServerAdminState;
}

export interface TrafficProxyOptions {
  readonly servers: readonly ProxyServerConfig[];
  /** How long a held request may wait for an application server before it gets a 503 (default 120 s). */
  readonly holdTimeoutMs?: number;
  /** How many of the latest application answers the error ratio is computed over (default 100). */
  readonly errorWindow?: number;
}

interface ServerEntry {
  readonly name: string;
  readonly url: string | undefined;
  readonly backup: boolean;
  weight: number;
  state: ServerAdminState;
  /** Smooth weighted round robin (as nginx does it): the running score. */
  current: number;
  inflight: number;
  answered: number;
  errors: number;
}

/** What the proxy did, for the demo's summary. */
export interface ProxyStats {
  readonly answered: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  /** Requests answered 5xx (or not at all) by one server and then answered by another. */
  readonly retried: number;
  /** Requests that waited on a hold server, and the longest wait. */
  readonly held: number;
  readonly longestHoldMs: number;
  /** Requests the proxy could not get answered (503 to the client). */
  readonly unanswered: number;
}

const changeSchema = z.record(
  z.string(),
  z.strictObject({
    weight: z.int().min(0).max(PROXY_MAX_WEIGHT).optional(),
    state: z.enum(['ready', 'drain', 'maint']).optional(),
  }),
);

const MAINT_SETTLE_MS = 5_000;

/**
 * A small HTTP reverse proxy with a runtime admin API, the traffic switch of `tminus demo` (and a target the
 * `proxy` traffic provider steers). Hand-written because the switch must be steerable over HTTP with the
 * same model as HAProxy (weights; ready, drain, maint; backup servers) and ship with nothing to install.
 *
 * - Routing: smooth weighted round robin over application servers that are `ready` with a weight above 0;
 *   when there is none, a `ready` backup server: one with a `url` answers (a maintenance page), one without
 *   holds the request until an application server is ready again (a maintenance that users only feel as a
 *   slow answer), up to `holdTimeoutMs`.
 * - Retry: a request answered 5xx, or not at all, by one server is sent once to another `ready` application
 *   server (any weight), the way a blue/green router keeps the old side warm; the first answer counts in the
 *   error ratio.
 * - Admin (its own port): `GET /servers`, `POST /servers` (changes by server name; a server put in `maint`
 *   returns once its requests in flight have finished, so maintenance is a fence), and `/api/v1/query`, a
 *   Prometheus-compatible instant query answering only `demo_error_ratio` — the share of 5xx among the last
 *   answers of application servers — the stand-in for a real Prometheus in the demo.
 */
export class TrafficProxy {
  readonly #servers = new Map<string, ServerEntry>();
  readonly #holdTimeoutMs: number;
  readonly #errorWindow: number;
  readonly #recent: boolean[] = [];
  #waiters: (() => void)[] = [];
  #retried = 0;
  #held = 0;
  #longestHoldMs = 0;
  #unanswered = 0;
  #front: Server | undefined;
  #admin: Server | undefined;
  url = '';
  adminUrl = '';

  constructor(options: TrafficProxyOptions) {
    for (const s of options.servers) {
      this.#servers.set(s.name, {
        name: s.name,
        url: s.url,
        backup: s.backup === true || s.url === undefined,
        weight: s.weight,
        state: s.state,
        current: 0,
        inflight: 0,
        answered: 0,
        errors: 0,
      });
    }
    this.#holdTimeoutMs = options.holdTimeoutMs ?? 120_000;
    this.#errorWindow = options.errorWindow ?? 100;
  }

  /** Starts the front (for users) and the admin API on free loopback ports. */
  async start(): Promise<this> {
    this.#front = await listen((req, res) => void this.#forward(req, res));
    this.#admin = await listen((req, res) => void this.#adminRequest(req, res));
    this.url = `http://127.0.0.1:${(this.#front.address() as AddressInfo).port}`;
    this.adminUrl = `http://127.0.0.1:${(this.#admin.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.#waiters) w();
    await Promise.all([this.#front, this.#admin].map((s) => (s ? closeServer(s) : undefined)));
  }

  stats(): ProxyStats {
    const all = [...this.#servers.values()].filter((s) => s.url !== undefined);
    return {
      answered: Object.fromEntries(all.map((s) => [s.name, s.answered])),
      errors: Object.fromEntries(all.map((s) => [s.name, s.errors])),
      retried: this.#retried,
      held: this.#held,
      longestHoldMs: this.#longestHoldMs,
      unanswered: this.#unanswered,
    };
  }

  /** Share of 5xx among the latest answers of application servers; undefined before any answer. */
  errorRatio(): number | undefined {
    if (this.#recent.length === 0) return undefined;
    return this.#recent.filter((e) => e).length / this.#recent.length;
  }

  settings(): Record<
    string,
    { weight: number; state: ServerAdminState; backup: boolean; serving: boolean; inflight: number }
  > {
    return Object.fromEntries(
      [...this.#servers.values()].map((s) => [
        s.name,
        {
          weight: s.weight,
          state: s.state,
          backup: s.backup,
          serving: s.state !== 'maint',
          inflight: s.inflight,
        },
      ]),
    );
  }

  /** Applies changes (all or nothing); resolves once servers put in `maint` have no request in flight. */
  async apply(
    changes: Readonly<Record<string, { weight?: number; state?: ServerAdminState }>>,
  ): Promise<void> {
    const unknown = Object.keys(changes).filter((n) => !this.#servers.has(n));
    if (unknown.length > 0) {
      throw new Error(
        `no server ${unknown.map((n) => `'${n}'`).join(', ')}; servers: ${[...this.#servers.keys()].join(', ')}`,
      );
    }
    for (const [name, change] of Object.entries(changes)) {
      const s = this.#servers.get(name)!;
      if (change.weight !== undefined) s.weight = change.weight;
      if (change.state !== undefined) s.state = change.state;
      s.current = 0;
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
    const fenced = Object.entries(changes)
      .filter(([, c]) => c.state === 'maint')
      .map(([n]) => this.#servers.get(n)!);
    const until = Date.now() + MAINT_SETTLE_MS;
    while (fenced.some((s) => s.inflight > 0) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The next application server by weight, or undefined when none is ready with a weight. */
  #pick(exclude?: string): ServerEntry | undefined {
    const eligible = [...this.#servers.values()].filter(
      (s) => !s.backup && s.state === 'ready' && s.weight > 0 && s.name !== exclude,
    );
    if (eligible.length === 0) return undefined;
    const total = eligible.reduce((a, s) => a + s.weight, 0);
    let best = eligible[0]!;
    for (const s of eligible) {
      s.current += s.weight;
      if (s.current > best.current) best = s;
    }
    best.current -= total;
    return best;
  }

  /** Another ready application server to retry on, whatever its weight. */
  #fallback(exclude: string): ServerEntry | undefined {
    return (
      this.#pick(exclude) ??
      [...this.#servers.values()].find((s) => !s.backup && s.state === 'ready' && s.name !== exclude)
    );
  }

  async #route(): Promise<ServerEntry | undefined> {
    const started = Date.now();
    let holding = false;
    for (;;) {
      const s = this.#pick();
      if (s) {
        if (holding) this.#longestHoldMs = Math.max(this.#longestHoldMs, Date.now() - started);
        return s;
      }
      const backup = [...this.#servers.values()].find((b) => b.backup && b.state === 'ready');
      if (!backup) return undefined;
      if (backup.url !== undefined) return backup;
      if (!holding) {
        holding = true;
        this.#held++;
      }
      const left = this.#holdTimeoutMs - (Date.now() - started);
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async #forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const first = await this.#route();
    if (!first?.url) {
      this.#unanswered++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no server available\n');
      return;
    }
    let answer = await this.#send(first, req, body);
    // A keep-alive connection the server closed as it was reused: the request never got there; send it again.
    if (answer.connectionFailed) answer = await this.#send(first, req, body);
    if (!first.backup) this.#record(first, answer);
    if (answer.status >= 500) {
      const other = this.#fallback(first.name);
      if (other) {
        const second = await this.#send(other, req, body);
        this.#record(other, second, false);
        if (second.status < 500) this.#retried++;
        answer = second;
      }
    }
    if (answer.status >= 500) this.#unanswered++;
    res.writeHead(answer.status, { ...answer.headers, 'x-served-by': answer.by }).end(answer.body);
  }

  #record(s: ServerEntry, answer: Answer, inWindow = true): void {
    s.answered++;
    const failed = answer.status >= 500;
    if (failed) s.errors++;
    if (!inWindow) return;
    this.#recent.push(failed);
    if (this.#recent.length > this.#errorWindow) this.#recent.shift();
  }

  #send(s: ServerEntry, req: IncomingMessage, body: Buffer): Promise<Answer> {
    s.inflight++;
    return new Promise<Answer>((resolve) => {
      const target = new URL(req.url ?? '/', s.url);
      const headers = { ...req.headers, host: target.host };
      delete headers.connection;
      const out = httpRequest(target, { method: req.method, headers }, (upstream) => {
        const chunks: Buffer[] = [];
        upstream.on('data', (c: Buffer) => chunks.push(c));
        upstream.on('end', () =>
          resolve({
            status: upstream.statusCode ?? 502,
            headers: pickHeaders(upstream.headers),
            body: Buffer.concat(chunks),
            by: s.name,
          }),
        );
        upstream.on('error', (e) => resolve(failedAnswer(s.name, e)));
      });
      out.on('error', (e) => resolve(failedAnswer(s.name, e)));
      out.end(body);
    }).finally(() => {
      s.inflight--;
    });
  }

  async #adminRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const body = (await readBody(req)).toString('utf8');
    if (path === '/servers' && req.method === 'GET') {
      json(200, { maxWeight: PROXY_MAX_WEIGHT, servers: this.settings() });
      return;
    }
    if (path === '/servers' && req.method === 'POST') {
      let parsed: z.infer<typeof changeSchema>;
      try {
        parsed = changeSchema.parse(JSON.parse(body));
      } catch (error) {
        json(400, {
          error: `bad change: ${error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message}`,
        });
        return;
      }
      try {
        await this.apply(parsed);
      } catch (error) {
        json(400, { error: (error as Error).message });
        return;
      }
      json(200, { maxWeight: PROXY_MAX_WEIGHT, servers: this.settings() });
      return;
    }
    if (path === '/api/v1/query') {
      const query = new URLSearchParams(
        req.method === 'POST' ? body : new URL(req.url ?? '/', 'http://p').search,
      ).get('query');
      if (query?.trim() !== 'demo_error_ratio') {
        json(400, {
          status: 'error',
          errorType: 'bad_data',
          error: `this demo stand-in answers only 'demo_error_ratio', not '${query ?? ''}'`,
        });
        return;
      }
      const ratio = this.errorRatio();
      const now = Date.now() / 1000;
      json(200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result:
            ratio === undefined
              ? []
              : [{ metric: { __name__: 'demo_error_ratio' }, value: [now, String(ratio)] }],
        },
      });
      return;
    }
    json(404, { error: `no ${req.method ?? ''} ${path} here: GET/POST /servers, /api/v1/query` });
  }
}

interface Answer {
  /** No answer at all (the connection failed), as opposed to an answer with an error status. */
  readonly connectionFailed?: boolean;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly by: string;
}

const failedAnswer = (by: string, error: Error): Answer => ({
  connectionFailed: true,
  status: 502,
  headers: { 'content-type': 'text/plain' },
  body: Buffer.from(`upstream ${by} failed: ${error.message}\n`),
  by,
});

function pickHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (
      typeof v === 'string' &&
      !['connection', 'transfer-encoding', 'keep-alive', 'content-length'].includes(k)
    ) {
      out[k] = v;
    }
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Idle keep-alive connections stay open well past any client's idle timeout: on a loaded machine a server
 * closing at its default 5 s races a client reusing the connection, and that request fails.
 */
export const KEEP_ALIVE_MS = 65_000;

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
