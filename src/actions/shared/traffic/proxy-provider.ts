import { z } from 'zod';
import { TminusError } from '../../../core/tminus-error.js';
import type { ServerChange, ServerSettings, TrafficProvider } from './traffic-provider.js';

/** Largest weight the built-in proxy takes (as HAProxy). */
export const PROXY_MAX_WEIGHT = 256;

const serversAnswer = z.object({
  servers: z.record(
    z.string(),
    z.object({
      weight: z.number(),
      state: z.enum(['ready', 'drain', 'maint']),
      backup: z.boolean(),
      serving: z.boolean(),
      inflight: z.number(),
    }),
  ),
});
type ServersAnswer = z.infer<typeof serversAnswer>['servers'];

export interface ProxyProviderOptions {
  /** Base URL of the proxy's admin API, e.g. http://127.0.0.1:8081. */
  readonly admin: string;
  readonly timeoutMs?: number;
}

/**
 * The built-in HTTP proxy of `tminus demo` (src/demo/traffic-proxy.ts), steered over its admin API:
 * `GET /servers` reads weights and states, `POST /servers` changes them (all or nothing).
 */
export class ProxyProvider implements TrafficProvider {
  readonly maxWeight = PROXY_MAX_WEIGHT;
  readonly #admin: URL;
  readonly #timeoutMs: number;

  constructor(options: ProxyProviderOptions) {
    let admin: URL;
    try {
      admin = new URL(options.admin);
    } catch (error) {
      throw new TminusError('TRAFFIC_BAD_TARGET', `proxy admin '${options.admin}' is not a URL`, {
        cause: error,
        hint: 'the admin API of the proxy, e.g. http://127.0.0.1:8081',
      });
    }
    if (admin.protocol !== 'http:' && admin.protocol !== 'https:') {
      throw new TminusError('TRAFFIC_BAD_TARGET', `proxy admin '${options.admin}' must be http or https`);
    }
    this.#admin = admin;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  get target(): string {
    return `proxy ${this.#admin.origin}`;
  }

  async #call(method: 'GET' | 'POST', body: unknown, signal: AbortSignal): Promise<ServersAnswer> {
    const url = new URL('servers', this.#admin.href.endsWith('/') ? this.#admin : `${this.#admin.href}/`);
    let response: Response;
    try {
      // A network timeout is about the real network: a real timer, not the (possibly sped-up) run clock.
      response = await fetch(url, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const code =
        (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.name : String(cause));
      throw new TminusError(
        'TRAFFIC_UNREACHABLE',
        `cannot reach the proxy admin API at ${this.#admin.origin}: ${code}`,
        {
          cause: error,
          hint: 'check the proxy runs and `admin` is its admin address',
        },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const said = (parsed as { error?: unknown } | undefined)?.error;
      throw new TminusError(
        response.status === 400 ? 'TRAFFIC_BAD_TARGET' : 'TRAFFIC_REJECTED',
        `${this.target} refused ${method} /servers (HTTP ${response.status}): ${typeof said === 'string' ? said : text.slice(0, 120)}`,
      );
    }
    const answer = serversAnswer.safeParse(parsed);
    if (!answer.success) {
      throw new TminusError(
        'TRAFFIC_REJECTED',
        `${this.target} answered something that is not the proxy admin API: '${text.slice(0, 120)}'`,
      );
    }
    return answer.data.servers;
  }

  async read(signal: AbortSignal): Promise<ServerSettings> {
    const servers = await this.#call('GET', undefined, signal);
    return Object.fromEntries(
      Object.entries(servers).map(([n, s]) => [n, { weight: s.weight, state: s.state }]),
    );
  }

  async apply(changes: Readonly<Record<string, ServerChange>>, signal: AbortSignal): Promise<void> {
    await this.#call('POST', changes, signal);
  }

  async serving(signal: AbortSignal): Promise<Record<string, boolean>> {
    const servers = await this.#call('GET', undefined, signal);
    return Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, s.serving]));
  }

  async backupServers(signal: AbortSignal): Promise<Set<string>> {
    const servers = await this.#call('GET', undefined, signal);
    return new Set(Object.entries(servers).flatMap(([n, s]) => (s.backup ? [n] : [])));
  }

  async activeSessions(signal: AbortSignal): Promise<Record<string, number>> {
    const servers = await this.#call('GET', undefined, signal);
    return Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, s.inflight]));
  }
}
