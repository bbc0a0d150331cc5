import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import type { ErrorCode } from '../core/tminus-error.js';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { Logger } from '../core/logger.js';

/** HTTP status for each error code a person can cause; anything else is the server's fault (500). */
const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  USAGE: 400,
  PLAN_INVALID: 400,
  UNAUTHENTICATED: 401,
  NOT_ALLOWED: 403,
  FORBIDDEN_ORIGIN: 403,
  RUN_NOT_FOUND: 404,
  UNKNOWN_STEP: 404,
  REFUSED: 409,
  RUN_ENDED: 409,
  STORE_CONFLICT: 409,
  RUN_LOCKED: 409,
};

export interface ErrorIssue {
  readonly where: string;
  readonly message: string;
}

/** `body.reason`, `path.taskId`, `query.after`: where in the request a validation issue is. */
export function zodIssues(target: string, error: ZodError, input?: unknown): ErrorIssue[] {
  const valueAt = (path: readonly PropertyKey[]): unknown =>
    path.reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
      input,
    );
  return error.issues.map((i) => {
    const where = [target === 'param' ? 'path' : target === 'json' ? 'body' : target, ...i.path.map(String)];
    let message = i.message;
    if (i.code === 'unrecognized_keys') {
      message = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    const bad = i.path.length > 0 ? valueAt(i.path) : undefined;
    if (bad !== undefined) message += ` (got ${JSON.stringify(bad).slice(0, 80)})`;
    return { where: where.join('.'), message };
  });
}

/** The one JSON error shape: `{ error: { code, message, hint?, issues? } }`. */
export function errorResponse(c: Context, thrown: unknown, logger?: Logger): Response {
  if (thrown instanceof HTTPException) {
    return c.json(
      { error: { code: 'USAGE', message: thrown.message } },
      thrown.status as ContentfulStatusCode,
    );
  }
  const error = coerceError(thrown);
  const status = STATUS[error.code] ?? 500;
  if (status === 500) logger?.error(`${c.req.method} ${c.req.path}: ${error.code} ${error.message}`);
  if (error.code === 'UNAUTHENTICATED') c.header('WWW-Authenticate', 'Bearer realm="tminus"');
  const message =
    status === 500 && !(thrown instanceof TminusError) ? 'internal error; see the server log' : error.message;
  return c.json(
    { error: { code: error.code, message, ...(error.hint ? { hint: error.hint } : {}) } },
    status,
  );
}
