import { createHash } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigStore, KeyChange, StoredValue, WriteContext } from './config-store.js';
import type { ConfigValue } from './config-value.js';
import { awsConfigError } from './aws-config-error.js';

const PERMISSIONS =
  'secretsmanager:GetSecretValue and secretsmanager:PutSecretValue on the secret (and kms:Decrypt / kms:GenerateDataKey on its key)';

interface Snapshot {
  readonly versionId: string | undefined;
  readonly fields: Record<string, unknown>;
}

/**
 * The keys of one AWS Secrets Manager secret holding a JSON object (the usual shape:
 * `{"username": …, "password": …, "host": …}`). Every value is secret. Setting keys writes a new version of
 * the whole object with PutSecretValue; the compare-and-swap checks that the secret's current version is
 * still the one read (read-check-write: Secrets Manager has no conditional put). The request token is
 * derived from the step and the new content, so a retried step that already wrote creates no second version.
 */
export class SecretsManagerStore implements ConfigStore {
  readonly textOnly = false;
  #snapshot: Snapshot | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    readonly label: string,
    private readonly redact: (text: string) => string,
  ) {}

  checkKey(key: string): string | undefined {
    return key === '' ? 'a secret key cannot be empty' : undefined;
  }

  async #load(signal: AbortSignal): Promise<Snapshot> {
    const out = await this.client
      .send(new GetSecretValueCommand({ SecretId: this.secretId }), { abortSignal: signal })
      .catch((e: unknown) => {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') {
          throw new TminusError(
            'CONFIG_UNREACHABLE',
            `${this.label}: no secret '${this.secretId}' (ResourceNotFoundException)`,
            {
              cause: e,
              retryable: false,
              hint: 'tminus sets keys of an existing secret: check secretId and the region',
            },
          );
        }
        throw awsConfigError(this.label, 'GetSecretValue', e, PERMISSIONS, this.redact);
      });
    const wrong = (what: string) =>
      new TminusError(
        'CONFIG_WRONG_TYPE',
        `${this.label}: secret '${this.secretId}' holds ${what}, not a JSON object of keys: its keys cannot be set`,
        { retryable: false, hint: 'store the secret as JSON, e.g. {"password": "…"}' },
      );
    if (out.SecretString === undefined) throw wrong('binary data');
    let parsed: unknown;
    try {
      parsed = JSON.parse(out.SecretString);
    } catch {
      throw wrong('plain text');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw wrong(Array.isArray(parsed) ? 'a JSON list' : 'a single JSON value');
    }
    return { versionId: out.VersionId, fields: parsed as Record<string, unknown> };
  }

  async read(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, StoredValue>> {
    const snapshot = await this.#load(signal);
    this.#snapshot = snapshot;
    const values = new Map<string, StoredValue>();
    for (const key of keys) {
      if (!(key in snapshot.fields)) continue;
      const v = snapshot.fields[key];
      if (v !== null && typeof v === 'object') {
        throw new TminusError(
          'CONFIG_WRONG_TYPE',
          `${this.label}: key ${key} of secret '${this.secretId}' holds ${Array.isArray(v) ? 'a list' : 'an object'}, not a single value`,
          { retryable: false },
        );
      }
      values.set(key, { value: v as ConfigValue, secret: true });
    }
    return values;
  }

  async write(changes: readonly KeyChange[], ctx: WriteContext): Promise<void> {
    const read = this.#snapshot;
    if (!read) throw new TminusError('INTERNAL', `${this.label}: write before read`);
    const now = await this.#load(ctx.signal);
    if (now.versionId !== read.versionId) {
      throw new TminusError(
        'CONFIG_CAS_MISMATCH',
        `${this.label}: secret '${this.secretId}' got a new version while tminus was setting it: nothing was written`,
        {
          retryable: true,
          hint: 'the step can be retried: it reads the secret again and re-checks `expect`',
        },
      );
    }
    const fields = { ...now.fields };
    for (const c of changes) {
      if (c.to === undefined) delete fields[c.key];
      else fields[c.key] = c.to;
    }
    const secretString = JSON.stringify(fields);
    // 32–64 characters, the same for the same step and content: a retry does not add a version.
    const token = createHash('sha256')
      .update(`${ctx.idempotencyKey}\n${secretString}`)
      .digest('hex')
      .slice(0, 64);
    await this.client
      .send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          SecretString: secretString,
          ClientRequestToken: token,
        }),
        {
          abortSignal: ctx.signal,
        },
      )
      .catch((e: unknown) => {
        throw awsConfigError(this.label, 'PutSecretValue', e, PERMISSIONS, this.redact);
      });
  }
}
