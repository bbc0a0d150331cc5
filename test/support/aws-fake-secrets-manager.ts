import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { FakeAwsCall, FakeAwsError } from './aws-fake-json.js';
import { FakeAwsFailure, awsJsonHandler } from './aws-fake-json.js';

interface FakeVersion {
  readonly id: string;
  readonly secretString: string;
}

/**
 * AWS Secrets Manager behind the real SDK v3 client, at its HTTP layer: GetSecretValue (AWSCURRENT) and
 * PutSecretValue with ClientRequestToken semantics (the same token and content → the same version, no new
 * one; the same token with other content → ResourceExistsException), as in the API reference.
 */
export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeVersion[]>();
  readonly calls: FakeAwsCall[] = [];
  readonly failures: FakeAwsError[] = [];
  /** Runs before each PutSecretValue is applied. */
  beforePut: (() => void) | undefined;

  client(config: SecretsManagerClientConfig, maxAttempts = 1): SecretsManagerClient {
    return new SecretsManagerClient({
      ...config,
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
      maxAttempts,
      requestHandler: awsJsonHandler(this.calls, this.failures, (op, input) =>
        this.#answer(op, input),
      ) as never,
    });
  }

  put(name: string, secretString: string, id = `v-${name}-1`): void {
    const versions = this.secrets.get(name) ?? [];
    versions.push({ id, secretString });
    this.secrets.set(name, versions);
  }

  current(name: string): string | undefined {
    return this.secrets.get(name)?.at(-1)?.secretString;
  }

  #answer(operation: string, input: Record<string, unknown>): unknown {
    const name = String(input.SecretId ?? '');
    const versions = this.secrets.get(name);
    const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
    if (!versions) {
      throw new FakeAwsFailure({
        code: 'ResourceNotFoundException',
        status: 400,
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    switch (operation) {
      case 'GetSecretValue': {
        const v = versions.at(-1)!;
        return {
          ARN: arn,
          Name: name,
          VersionId: v.id,
          SecretString: v.secretString,
          VersionStages: ['AWSCURRENT'],
        };
      }
      case 'PutSecretValue': {
        this.beforePut?.();
        const token = String(input.ClientRequestToken);
        const same = versions.find((v) => v.id === token);
        if (same && same.secretString !== input.SecretString) {
          throw new FakeAwsFailure({
            code: 'ResourceExistsException',
            status: 400,
            message: 'You can’t modify an existing version, you can only create a new version.',
          });
        }
        if (!same) versions.push({ id: token, secretString: String(input.SecretString) });
        return { ARN: arn, Name: name, VersionId: token, VersionStages: ['AWSCURRENT'] };
      }
      default:
        throw new FakeAwsFailure({
          code: 'InvalidAction',
          status: 400,
          message: `${operation} is not faked`,
        });
    }
  }
}
