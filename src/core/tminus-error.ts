/** Every error code tminus raises. Closed set: add here, never invent one at a throw site. */
export const ERROR_CODES = [
  'USAGE',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'PLAN_INVALID',
  'NO_GO_LIVE',
  'INTERNAL',
  // runs and the store
  'RUN_NOT_FOUND',
  'RUN_ENDED',
  'RUN_LOCKED',
  'STORE_CONFLICT',
  'STORE_CORRUPT',
  'UNKNOWN_STEP',
  'NOT_ALLOWED',
  'REFUSED',
  'ACTION_MISSING',
  // actions
  'ACTION_FAILED',
  'ACTION_TIMEOUT',
  'ACTION_ABORTED',
  'PARAMS_INVALID',
  'SECRET_UNRESOLVED',
  'UNKNOWN_CONNECTION',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TminusErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
  /** False when trying again cannot help (the engine then never retries); undefined means "may retry". */
  readonly retryable?: boolean;
}

/**
 * The one base error of tminus: a string code, a message a person can act on, an optional hint and cause.
 *
 * @example
 * throw new TminusError('FILE_NOT_FOUND', `plan file not found: ${path}`, { cause: err });
 */
export class TminusError extends Error {
  override readonly name = 'TminusError';
  readonly hint: string | undefined;
  readonly retryable: boolean | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: TminusErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.retryable = options.retryable;
  }
}

/** Normalises anything thrown into a TminusError, keeping the original as `cause`. */
export function coerceError(error: unknown): TminusError {
  if (error instanceof TminusError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TminusError('INTERNAL', message, { cause: error });
}
