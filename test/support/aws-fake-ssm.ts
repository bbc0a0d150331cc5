import { SSMClient } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import type { FakeAwsCall, FakeAwsError } from './aws-fake-json.js';
import { FakeAwsFailure, awsJsonHandler } from './aws-fake-json.js';

export interface FakeParameter {
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
  version: number;
}

/**
 * AWS Systems Manager Parameter Store behind the real SDK v3 client, at its HTTP layer: GetParameters
 * (unknown names in InvalidParameters), PutParameter (Overwrite false → ParameterAlreadyExists; the type
 * kept on overwrite; the version bumped) and DeleteParameter (ParameterNotFound), as in the SSM API reference.
 */
export class FakeSsm {
  readonly parameters = new Map<string, FakeParameter>();
  readonly calls: FakeAwsCall[] = [];
  /** Answered first, one per request. */
  readonly failures: FakeAwsError[] = [];
  /** Fails the PutParameter of this name (after the ones before it succeeded). */
  failPutOf: { name: string; error: FakeAwsError } | undefined;
  /** Runs before each PutParameter/DeleteParameter: a test can change a parameter meanwhile. */
  beforeWrite: (() => void) | undefined;

  client(config: SSMClientConfig, maxAttempts = 1): SSMClient {
    return new SSMClient({
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

  put(name: string, value: string, type: FakeParameter['type'] = 'String'): void {
    this.parameters.set(name, { value, type, version: 1 });
  }

  #answer(operation: string, input: Record<string, unknown>): unknown {
    const name = String(input.Name ?? '');
    switch (operation) {
      case 'GetParameters': {
        const names = input.Names as string[];
        const found = names.filter((n) => this.parameters.has(n));
        return {
          Parameters: found.map((n) => {
            const p = this.parameters.get(n)!;
            return { Name: n, Type: p.type, Value: p.value, Version: p.version, DataType: 'text' };
          }),
          InvalidParameters: names.filter((n) => !this.parameters.has(n)),
        };
      }
      case 'PutParameter': {
        this.beforeWrite?.();
        if (this.failPutOf?.name === name) throw new FakeAwsFailure(this.failPutOf.error);
        const current = this.parameters.get(name);
        if (current && input.Overwrite !== true) {
          throw new FakeAwsFailure({
            code: 'ParameterAlreadyExists',
            status: 400,
            message:
              'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          });
        }
        const type = (input.Type as FakeParameter['type'] | undefined) ?? current?.type ?? 'String';
        const version = (current?.version ?? 0) + 1;
        this.parameters.set(name, { value: String(input.Value), type, version });
        return { Version: version, Tier: 'Standard' };
      }
      case 'DeleteParameter': {
        this.beforeWrite?.();
        if (!this.parameters.delete(name)) {
          throw new FakeAwsFailure({ code: 'ParameterNotFound', status: 400, message: '' });
        }
        return {};
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
