/** An AWS error a fake answers with: its `__type`, HTTP status and message. */
export interface FakeAwsError {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

/** One request as the SDK sent it: the `X-Amz-Target` operation and the JSON body. */
export interface FakeAwsCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export class FakeAwsFailure extends Error {
  constructor(readonly error: FakeAwsError) {
    super(error.message);
  }
}

/**
 * A `requestHandler` for SDK v3 clients of AWS JSON 1.1 services (SSM, Secrets Manager): decodes the
 * operation and body, calls `answer`, and encodes its result (or a thrown FakeAwsFailure) the way AWS does
 * (`{"__type": "ThrottlingException", "message": …}` with the HTTP status). `failures` are answered first,
 * one per request, for throttling and access-denied tests.
 */
export function awsJsonHandler(
  calls: FakeAwsCall[],
  failures: FakeAwsError[],
  answer: (operation: string, input: Record<string, unknown>) => unknown,
) {
  const reply = (statusCode: number, body: unknown) => ({
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' },
      body: new TextEncoder().encode(JSON.stringify(body)),
    },
  });
  return {
    handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
      const target = request.headers['x-amz-target'] ?? '';
      const operation = target.slice(target.indexOf('.') + 1);
      const raw =
        request.body instanceof Uint8Array
          ? new TextDecoder().decode(request.body)
          : String(request.body ?? '{}');
      const input = JSON.parse(raw) as Record<string, unknown>;
      calls.push({ operation, input });
      const failure = failures.shift();
      if (failure) return reply(failure.status, { __type: failure.code, message: failure.message });
      try {
        return reply(200, answer(operation, input));
      } catch (error) {
        if (!(error instanceof FakeAwsFailure)) throw error;
        return reply(error.error.status, { __type: error.error.code, message: error.error.message });
      }
    },
  };
}

export const throttled: FakeAwsError = { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' };
export const accessDenied = (action: string, resource: string): FakeAwsError => ({
  code: 'AccessDeniedException',
  status: 400,
  message: `User: arn:aws:iam::123456789012:user/cutover is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
});
