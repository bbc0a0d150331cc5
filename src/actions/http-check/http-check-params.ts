import { z } from 'zod';
import { parseJsonPath } from '../../core/conditions/json-path.js';
import { durationParam } from '../duration-param.js';
import { statusExpectation } from './status-expectation.js';

const jsonExpectation = z
  .object({
    path: z
      .string()
      .min(1)
      .superRefine((path, check) => {
        const parsed = parseJsonPath(path);
        if ('error' in parsed) check.addIssue({ code: 'custom', message: parsed.error });
      })
      .meta({ description: "JSON path into the response body: $.key, $.list[0], $['odd key']" }),
    equals: z.unknown().meta({ description: 'The value the path must hold (compared as JSON)' }),
  })
  .strict();

/** What a response must satisfy. Everything given must hold. */
export const httpExpectation = z
  .object({
    status: statusExpectation.optional(),
    headers: z.record(z.string(), z.string()).optional().meta({
      description:
        "Response headers that must contain these texts (names case-insensitive), e.g. { x-served-by: 'new-' }",
    }),
    bodyContains: z.string().optional().meta({ description: 'Text the body must contain' }),
    bodyMatches: z
      .string()
      .refine(
        (re) => {
          try {
            new RegExp(re);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not a valid regular expression' },
      )
      .optional()
      .meta({ description: 'Regular expression (JavaScript syntax) the body must match' }),
    json: z
      // One expectation or a list; made a list first so that errors point at the exact entry and field.
      .preprocess(
        (v) => (v === undefined || Array.isArray(v) ? v : [v]),
        z.array(jsonExpectation).min(1).optional(),
      )
      .meta({ description: 'JSON path equality: { path: $.status, equals: ok } or a list of them' }),
    maxLatency: durationParam('Slowest acceptable answer, e.g. 2s').optional(),
    minDaysToExpiry: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: 'HTTPS only: the certificate must stay valid at least this many more days' }),
  })
  .strict();
export type HttpExpectation = z.infer<typeof httpExpectation>;

export const httpCheckParams = z
  .object({
    url: z.string().min(1).meta({ description: 'http:// or https:// URL (may hold ${env:...} references)' }),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      .default('GET')
      .meta({ description: 'HTTP method (default GET)' }),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'Request headers; values are never printed' }),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .meta({ description: 'Request body: text as is, an object or list as JSON' }),
    expect: httpExpectation.default({}).meta({ description: 'What the response must satisfy' }),
    timeout: durationParam('Per-request timeout (default 10s)').default(10_000),
    insecure: z
      .boolean()
      .default(false)
      .meta({ description: 'Accept invalid TLS certificates (rehearsals against self-signed targets only)' }),
    ca: z.string().optional().meta({ description: 'PEM file of a private CA to trust for this check' }),
    connectTo: z.string().min(1).optional().meta({
      description:
        "Connect to this IP address instead of resolving the URL's host, keeping the host for Host, SNI and certificate checks (like curl --resolve): test the new environment before DNS points at it",
    }),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Probes at most; default failureThreshold + recoveryThreshold - 1' }),
    interval: durationParam('Pause between probes (default 1s)').default(1_000),
    failureThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Consecutive failed probes that fail the check (default: attempts, else 1)' }),
    recoveryThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(1)
      .meta({ description: 'Consecutive good probes that pass the check (default 1)' }),
  })
  .strict();
export type HttpCheckParams = z.infer<typeof httpCheckParams>;
