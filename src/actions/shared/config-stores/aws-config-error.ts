import { TminusError } from '../../../core/tminus-error.js';

const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyUpdates',
  'ThrottledException',
  'RequestLimitExceeded',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

/**
 * An AWS SDK failure as a TminusError that says what happened in plain words: throttled (retryable, after
 * the SDK's own retries), access denied (with the permissions to grant), unreachable, or AWS's error code
 * and message. `permissions` names the IAM actions the call needs.
 */
export function awsConfigError(
  label: string,
  call: string,
  error: unknown,
  permissions: string,
  redact: (text: string) => string,
): TminusError {
  if (error instanceof TminusError) return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
  };
  const name = e.name ?? 'Error';
  const message = redact(e.message ?? String(error));
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const what = `${name}${status ? `, HTTP ${status}` : ''}: ${message}`;
  if (THROTTLED.has(name)) {
    return new TminusError(
      'CONFIG_THROTTLED',
      `${label}: AWS throttled ${call}${attempts && attempts > 1 ? ` ${attempts} times` : ''} (${what}); nothing was changed by this call`,
      {
        cause: error,
        retryable: true,
        hint: 'other clients share the account rate: give the task retry: { attempts: 5, backoff: 5s }',
      },
    );
  }
  if (DENIED.has(name) || name === 'CredentialsProviderError') {
    return new TminusError('CONFIG_ACCESS_DENIED', `${label}: AWS refused ${call} (${what})`, {
      cause: error,
      retryable: false,
      hint:
        name === 'CredentialsProviderError'
          ? 'no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or connection options'
          : `the credentials need ${permissions}`,
    });
  }
  if (NETWORK.has(e.code ?? '') || name === 'TimeoutError' || name === 'RequestTimeout') {
    return new TminusError('CONFIG_UNREACHABLE', `${label}: cannot reach AWS for ${call} (${what})`, {
      cause: error,
      retryable: true,
      hint: 'check the region, the endpoint and the network path to AWS',
    });
  }
  return new TminusError('AWS_REQUEST_FAILED', `${label}: ${call} failed (${what})`, {
    cause: error,
    retryable: (status ?? 500) >= 500,
  });
}
