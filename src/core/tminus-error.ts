/** Every error code tminus raises. Closed set: add here, never invent one at a throw site. */
export const ERROR_CODES = [
  'USAGE',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'PLAN_INVALID',
  'NO_GO_LIVE',
  'INTERNAL',
  // Actions (checks, SQL, notifications, smoke suites).
  'INVALID_PARAMS',
  'UNKNOWN_CONNECTION',
  'TIMEOUT',
  'ABORTED',
  'UNREACHABLE',
  'TLS_INVALID',
  'CHECK_FAILED',
  'SQL_FAILED',
  'ASSERTION_FAILED',
  'NOTIFY_FAILED',
  'SMOKE_FAILED',
  'TRAFFIC_UNREACHABLE',
  'TRAFFIC_REJECTED',
  'TRAFFIC_NOT_APPLIED',
  'TRAFFIC_CHECK_FAILED',
  'TRAFFIC_BAD_TARGET',
  'NGINX_CONFIG_INVALID',
  'METRICS_UNREACHABLE',
  'METRICS_QUERY_FAILED',
  'METRICS_CONDITION_FAILED',
  'CONDITION_INVALID',
  'CONDITION_ERROR',
  'AWS_REQUEST_FAILED',
  // DNS actions (dns.query, dns.verify, dns.update, dns.lower-ttl).
  'DNS_UNREACHABLE',
  'DNS_BAD_RESPONSE',
  'DNS_AUTH_FAILED',
  'DNS_CAS_MISMATCH',
  'DNS_UPDATE_REFUSED',
  'DNS_NOT_PROPAGATED',
  'DNS_NO_ANSWER',
  'DNS_PROVIDER_ERROR',
  // Configuration actions (config.set, config.verify).
  'CONFIG_CAS_MISMATCH',
  'CONFIG_PARSE_ERROR',
  'CONFIG_WRONG_TYPE',
  'CONFIG_UNREACHABLE',
  'CONFIG_ACCESS_DENIED',
  'CONFIG_THROTTLED',
  'CONFIG_WRITE_FAILED',
  'CONFIG_NOT_AS_EXPECTED',
  'DATA_CONNECTION',
  'DATA_QUERY',
  'DATA_TABLE_NOT_FOUND',
  'DATA_NO_KEY',
  'DATA_SYNC_TIMEOUT',
  'DATA_DIFFERS',
  // runs and the store
  'RUN_NOT_FOUND',
  'RUN_ENDED',
  'RUN_LOCKED',
  /** This process's lease on a run was taken over: its late writes are recorded as rejected, not applied. */
  'LEASE_LOST',
  /** Another unfinished run of the same plan is in the store (start a second one only when asked). */
  'RUN_ACTIVE',
  /** More than one run could be meant: the command names them and asks for `--run ID`. */
  'RUN_AMBIGUOUS',
  'STORE_CONFLICT',
  'STORE_CORRUPT',
  /** The store file cannot be used: not a database, damaged, not writable, not creatable. */
  'STORE_UNUSABLE',
  /** A PostgreSQL store that cannot be reached or opened (refused, wrong credentials, no such database). */
  'STORE_UNREACHABLE',
  'UNKNOWN_STEP',
  'NOT_ALLOWED',
  'REFUSED',
  'REHEARSAL_REQUIRED',
  'ACTION_MISSING',
  // actions
  'ACTION_FAILED',
  'SECRET_UNRESOLVED',
  'SECRET_IN_COMMAND',
  'JOURNAL_KEY_MISSING',
  'JOURNAL_KEY_INVALID',
  // the war-room API
  'UNAUTHENTICATED',
  'FORBIDDEN_ORIGIN',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TminusErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string;
  /** False when retrying cannot help (e.g. a refused compare-and-swap): the engine never retries it. */
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
