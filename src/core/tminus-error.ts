/** Every error code tminus raises. Closed set: add here, never invent one at a throw site. */
export const ERROR_CODES = [
  'USAGE',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'PLAN_INVALID',
  'NO_GO_LIVE',
  'INTERNAL',
  'DATA_CONNECTION',
  'DATA_QUERY',
  'DATA_TABLE_NOT_FOUND',
  'DATA_NO_KEY',
  'DATA_SYNC_TIMEOUT',
  'DATA_DIFFERS',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TminusErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
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

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: TminusErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Normalises anything thrown into a TminusError, keeping the original as `cause`. */
export function coerceError(error: unknown): TminusError {
  if (error instanceof TminusError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TminusError('INTERNAL', message, { cause: error });
}
