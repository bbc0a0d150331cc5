import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigStore, KeyChange, StoredValue, WriteContext } from './config-store.js';

/*
 * Why etcd's v3 JSON gateway (HTTP + JSON, part of etcd's stable v3 API since 3.4) and not an npm client:
 * the well-kept client (`etcd3`) brings gRPC (@grpc/grpc-js, protobufjs) for the four calls tminus makes
 * (range, txn, authenticate), while the gateway needs nothing but fetch, is served on the same client port,
 * and a transaction over it is the same atomic compare-and-swap (compare mod_revision, then put/delete).
 */

export interface EtcdOptions {
  readonly timeoutMs: number;
  readonly redact: (text: string) => string;
  readonly auth?: { readonly username: string; readonly password: string };
}

interface RangeResponse {
  kvs?: { key?: string; value?: string; mod_revision?: string }[];
}
interface TxnResponse {
  succeeded?: boolean;
  responses?: { response_range?: RangeResponse }[];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/**
 * Keys of etcd v3. Reading takes all keys in one transaction (one revision); writing is one transaction
 * that compares every key's mod_revision with what was read (0 for an absent key) and only then puts or
 * deletes them all: a true compare-and-swap, all or nothing.
 */
export class EtcdStore implements ConfigStore {
  readonly textOnly = true;
  readonly label: string;
  readonly #revisions = new Map<string, string>();
  #token: string | undefined;

  constructor(
    private readonly endpoints: readonly string[],
    private readonly options: EtcdOptions,
  ) {
    this.label = `etcd ${endpoints.join(',')}`;
  }

  checkKey(key: string): string | undefined {
    return key === '' ? 'an etcd key cannot be empty' : undefined;
  }

  async read(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, StoredValue>> {
    const out = await this.#call<TxnResponse>(
      '/v3/kv/txn',
      { success: keys.map((k) => ({ request_range: { key: b64(k) } })) },
      signal,
    );
    const values = new Map<string, StoredValue>();
    keys.forEach((key, i) => {
      const kv = out.responses?.[i]?.response_range?.kvs?.[0];
      this.#revisions.set(key, kv?.mod_revision ?? '0');
      if (kv) values.set(key, { value: unb64(kv.value) });
    });
    return values;
  }

  async write(changes: readonly KeyChange[], ctx: WriteContext): Promise<void> {
    const out = await this.#call<TxnResponse>(
      '/v3/kv/txn',
      {
        compare: changes.map((c) => ({
          key: b64(c.key),
          target: 'MOD',
          result: 'EQUAL',
          mod_revision: this.#revisions.get(c.key) ?? '0',
        })),
        success: changes.map((c) =>
          c.to === undefined
            ? { request_delete_range: { key: b64(c.key) } }
            : { request_put: { key: b64(c.key), value: b64(String(c.to)) } },
        ),
      },
      ctx.signal,
    );
    if (out.succeeded !== true) {
      throw new TminusError(
        'CONFIG_CAS_MISMATCH',
        `${this.label}: ${changes.map((c) => c.key).join(', ')} changed while tminus was setting them (the transaction's revision check failed): nothing was written`,
        { retryable: true, hint: 'the step can be retried: it reads the keys again and re-checks `expect`' },
      );
    }
  }

  async #authenticate(endpoint: string, signal: AbortSignal): Promise<string | undefined> {
    const auth = this.options.auth;
    if (!auth) return undefined;
    if (this.#token) return this.#token;
    const out = await this.#post<{ token?: string }>(
      endpoint,
      '/v3/auth/authenticate',
      { name: auth.username, password: auth.password },
      signal,
      undefined,
    );
    this.#token = out.token;
    return out.token;
  }

  /** Tries each endpoint in turn until one answers; names every one that could not be reached. */
  async #call<T>(path: string, body: unknown, signal: AbortSignal): Promise<T> {
    const unreachable: string[] = [];
    for (const endpoint of this.endpoints) {
      try {
        const token = await this.#authenticate(endpoint, signal);
        return await this.#post<T>(endpoint, path, body, signal, token);
      } catch (error) {
        if (error instanceof TminusError && error.code === 'CONFIG_UNREACHABLE') {
          unreachable.push(error.message);
          continue;
        }
        throw error;
      }
    }
    throw new TminusError('CONFIG_UNREACHABLE', `cannot reach etcd: ${unreachable.join('; ')}`, {
      retryable: true,
      hint: 'check that etcd listens on these client URLs (--listen-client-urls) and the network path',
    });
  }

  async #post<T>(
    endpoint: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    token: string | undefined,
  ): Promise<T> {
    const url = `${endpoint.replace(/\/$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as { name?: string }).name === 'TimeoutError'
          ? `no answer within ${this.options.timeoutMs / 1000}s`
          : cause?.code === 'ECONNREFUSED'
            ? 'connection refused'
            : (cause?.code ?? cause?.message ?? String(error));
      throw new TminusError('CONFIG_UNREACHABLE', `${endpoint}: ${why}`, { cause: error, retryable: true });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok || parsed === undefined) {
      const e = (parsed ?? {}) as { code?: number; message?: string; error?: string };
      const message = this.options.redact(e.message ?? e.error ?? text.slice(0, 200));
      // gRPC codes: 7 permission denied, 16 unauthenticated.
      const denied = e.code === 7 || e.code === 16 || response.status === 401 || response.status === 403;
      throw new TminusError(
        denied ? 'CONFIG_ACCESS_DENIED' : 'CONFIG_WRITE_FAILED',
        `${endpoint}${path}: etcd answered HTTP ${response.status}: ${message}`,
        {
          retryable: !denied && response.status >= 500,
          ...(denied ? { hint: 'give the connection a user with read/write permission on these keys' } : {}),
        },
      );
    }
    return parsed as T;
  }
}
