import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseDuration } from '../../../core/plan/duration.js';
import { TminusError } from '../../../core/tminus-error.js';
import type { ActionContext, ResolvedConnection } from '../../../engine/action.js';
import type { ConfigStore } from './config-store.js';
import type { StoreType } from './config-store-params.js';
import { dotenvFormat } from './dotenv-format.js';
import { EtcdStore } from './etcd-store.js';
import type { FileFormat } from './file-format.js';
import type { FileStoreHooks } from './file-store.js';
import { FileStore } from './file-store.js';
import { jsonFormat } from './json-format.js';
import { propertiesFormat } from './properties-format.js';
import { SecretsManagerStore } from './secrets-manager-store.js';
import { SsmStore } from './ssm-store.js';
import { yamlFormat } from './yaml-format.js';

/** Hooks for tests: AWS clients wired to a fake HTTP layer, a file store's crash seam. */
export interface ConfigStoreDeps {
  readonly file?: FileStoreHooks;
  readonly ssm?: (config: SSMClientConfig) => SSMClient;
  readonly secretsManager?: (config: SecretsManagerClientConfig) => SecretsManagerClient;
}

export interface StoreParams {
  readonly store: StoreType;
  readonly file?: string | undefined;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly secretId?: string | undefined;
  readonly endpoints?: readonly string[] | undefined;
  readonly connection?: string | undefined;
  readonly timeout?: string | undefined;
}

const FORMATS: Readonly<Record<string, FileFormat>> = {
  dotenv: dotenvFormat,
  json: jsonFormat,
  yaml: yamlFormat,
  properties: propertiesFormat,
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function connectionOf(ctx: ActionContext, p: StoreParams, kind: string): ResolvedConnection | undefined {
  if (p.connection === undefined) return undefined;
  const c = ctx.connection(p.connection);
  if (c.kind !== kind) {
    throw new TminusError(
      'INVALID_PARAMS',
      `connection '${c.name}' is of kind ${c.kind}; store: ${p.store} needs kind ${kind}`,
      { retryable: false },
    );
  }
  return c;
}

/** Region, endpoint and credentials of an AWS store: parameters first, then the `aws` connection's options. */
function awsConfig(ctx: ActionContext, p: StoreParams, timeoutMs: number) {
  const o = connectionOf(ctx, p, 'aws')?.options ?? {};
  const region = p.region ?? text(o.region);
  if (region === undefined) {
    throw new TminusError(
      'INVALID_PARAMS',
      `store: ${p.store} needs region: (or a connection with options.region)`,
      {
        retryable: false,
      },
    );
  }
  const endpoint = p.endpoint ?? text(o.endpoint);
  const accessKeyId = text(o.accessKeyId);
  const secretAccessKey = text(o.secretAccessKey);
  const sessionToken = text(o.sessionToken);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    requestHandler: { requestTimeout: timeoutMs },
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}

/** The store a `config.*` call names, with connection details resolved. */
export function createConfigStore(
  ctx: ActionContext,
  p: StoreParams,
  deps: ConfigStoreDeps = {},
): ConfigStore {
  const timeoutMs = (p.timeout === undefined ? undefined : parseDuration(p.timeout)) ?? 10_000;
  const redact = (t: string) => ctx.redact(t);
  switch (p.store) {
    case 'ssm': {
      const config = awsConfig(ctx, p, timeoutMs);
      const client = deps.ssm?.(config) ?? new SSMClient(config);
      return new SsmStore(client, `ssm ${config.region}`, redact);
    }
    case 'secrets-manager': {
      const config = awsConfig(ctx, p, timeoutMs);
      const client = deps.secretsManager?.(config) ?? new SecretsManagerClient(config);
      return new SecretsManagerStore(
        client,
        p.secretId ?? '',
        `secrets-manager ${config.region} ${p.secretId}`,
        redact,
      );
    }
    case 'etcd': {
      const c = connectionOf(ctx, p, 'etcd');
      const endpoints = p.endpoints ?? (c?.url ? c.url.split(',').map((u) => u.trim()) : []);
      if (endpoints.length === 0) {
        throw new TminusError('INVALID_PARAMS', `connection '${c?.name}' has no url: (http://host:2379)`, {
          retryable: false,
        });
      }
      const username = text(c?.options.username);
      const password = text(c?.options.password);
      return new EtcdStore(endpoints, {
        timeoutMs,
        redact,
        ...(username && password ? { auth: { username, password } } : {}),
      });
    }
    default: {
      const format = FORMATS[p.store];
      if (!format || p.file === undefined) {
        throw new TminusError('INVALID_PARAMS', `store: ${p.store} needs file: PATH`, { retryable: false });
      }
      return new FileStore(p.file, format, deps.file);
    }
  }
}
