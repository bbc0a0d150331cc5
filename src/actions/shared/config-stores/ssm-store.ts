import type { SSMClient } from '@aws-sdk/client-ssm';
import { DeleteParameterCommand, GetParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { TminusError } from '../../../core/tminus-error.js';
import type { ConfigStore, KeyChange, StoredValue, WriteContext } from './config-store.js';
import { awsConfigError } from './aws-config-error.js';

const NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const PERMISSIONS =
  'ssm:GetParameters, ssm:PutParameter and ssm:DeleteParameter on these parameters (and kms:Decrypt / kms:Encrypt on the key of SecureString ones)';

/**
 * AWS Systems Manager Parameter Store: one parameter per key (`/shop/prod/db-host`). SecureString values are
 * read decrypted and are secret; a new key is a SecureString when it is secret, else a String; an existing
 * parameter keeps its type. Parameter Store has no conditional write, so the compare-and-swap is
 * read-check-write, except for new keys (`Overwrite: false` makes AWS refuse a parameter created meanwhile).
 * Several keys are written one by one; when one fails, those already written are put back before the error
 * is reported, so the call stays all or nothing.
 */
export class SsmStore implements ConfigStore {
  readonly textOnly = true;

  constructor(
    private readonly client: SSMClient,
    readonly label: string,
    private readonly redact: (text: string) => string,
  ) {}

  checkKey(key: string): string | undefined {
    return NAME.test(key)
      ? undefined
      : `${JSON.stringify(key)} is not a parameter name (letters, digits, _ . - /)`;
  }

  async read(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, StoredValue>> {
    const values = new Map<string, StoredValue>();
    for (let i = 0; i < keys.length; i += 10) {
      const names = keys.slice(i, i + 10);
      const out = await this.client
        .send(new GetParametersCommand({ Names: [...names], WithDecryption: true }), { abortSignal: signal })
        .catch((e: unknown) => {
          throw awsConfigError(this.label, 'GetParameters', e, PERMISSIONS, this.redact);
        });
      for (const p of out.Parameters ?? []) {
        if (p.Name === undefined || p.Value === undefined) continue;
        if (p.Type === 'StringList') {
          // A list is text with commas: compared and written as such.
          values.set(p.Name, { value: p.Value });
        } else values.set(p.Name, { value: p.Value, secret: p.Type === 'SecureString' });
      }
    }
    return values;
  }

  async write(changes: readonly KeyChange[], ctx: WriteContext): Promise<void> {
    // Read-check-write: the values must still be what `read` saw.
    const now = await this.read(
      changes.map((c) => c.key),
      ctx.signal,
    );
    const moved = changes.filter((c) => now.get(c.key)?.value !== c.from?.value);
    if (moved.length > 0) {
      throw new TminusError(
        'CONFIG_CAS_MISMATCH',
        `${this.label}: ${moved.map((c) => c.key).join(', ')} changed while tminus was setting them: nothing was written`,
        {
          retryable: true,
          hint: 'the step can be retried: it reads the values again and re-checks `expect`',
        },
      );
    }
    const done: KeyChange[] = [];
    for (const c of changes) {
      try {
        await this.#apply(c.key, c.from, c.to, c.secret, ctx.signal);
        done.push(c);
      } catch (error) {
        const failure =
          error instanceof Error && (error as { name?: string }).name === 'ParameterAlreadyExists'
            ? new TminusError(
                'CONFIG_CAS_MISMATCH',
                `${this.label}: ${c.key} was created by someone else while tminus was setting it`,
                { retryable: false, cause: error },
              )
            : awsConfigError(this.label, `PutParameter ${c.key}`, error, PERMISSIONS, this.redact);
        const undone = await this.#putBack(done, ctx.signal);
        throw new TminusError(failure.code, `${failure.message}${done.length > 0 ? `; ${undone}` : ''}`, {
          cause: failure,
          ...(failure.hint ? { hint: failure.hint } : {}),
          ...(failure.retryable === undefined ? {} : { retryable: failure.retryable }),
        });
      }
    }
  }

  async #apply(
    key: string,
    from: StoredValue | undefined,
    to: KeyChange['to'],
    secret: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    if (to === undefined) {
      await this.client.send(new DeleteParameterCommand({ Name: key }), { abortSignal: signal });
      return;
    }
    await this.client.send(
      new PutParameterCommand(
        from === undefined
          ? { Name: key, Value: String(to), Type: secret ? 'SecureString' : 'String', Overwrite: false }
          : { Name: key, Value: String(to), Overwrite: true },
      ),
      { abortSignal: signal },
    );
  }

  /** Puts back keys written before a failure; says what it did (or could not do). */
  async #putBack(done: readonly KeyChange[], signal: AbortSignal): Promise<string> {
    const failed: string[] = [];
    for (const c of [...done].reverse()) {
      try {
        await this.#apply(
          c.key,
          c.to === undefined ? undefined : { value: c.to },
          c.from?.value,
          c.secret,
          signal,
        );
      } catch {
        failed.push(c.key);
      }
    }
    const keys = done.map((c) => c.key).join(', ');
    return failed.length === 0
      ? `put back ${keys}, written before the failure`
      : `could NOT put back ${failed.join(', ')} (written before the failure): check them by hand`;
  }
}
