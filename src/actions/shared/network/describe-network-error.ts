import { redactUrl } from '../../../core/secrets/redact-url.js';
import { TminusError } from '../../../core/tminus-error.js';

const CODE_WORDS: Readonly<Record<string, (target: string) => string>> = {
  ECONNREFUSED: (t) => `connection refused by ${t}: nothing is listening there (or a firewall rejects it)`,
  ENOTFOUND: (t) => `the host name of ${t} does not resolve (DNS has no address for it)`,
  EAI_AGAIN: (t) => `the host name of ${t} could not be resolved right now (DNS lookup failed temporarily)`,
  EHOSTUNREACH: (t) => `no route to ${t} (host unreachable)`,
  ENETUNREACH: (t) => `no route to ${t} (network unreachable)`,
  ETIMEDOUT: (t) => `connecting to ${t} timed out`,
  ECONNRESET: (t) => `${t} closed the connection abruptly (connection reset)`,
  EPIPE: (t) => `${t} closed the connection while we were still sending`,
  EADDRNOTAVAIL: (t) => `cannot use the address of ${t} (address not available)`,
};

/**
 * Turns a socket-level error into an `UNREACHABLE` TminusError whose message says what happened in plain
 * words and where (`connection refused by 127.0.0.1:5999`), keeping the original as `cause`. Errors that
 * already are TminusErrors (timeouts, aborts) pass through unchanged.
 */
export function describeNetworkError(error: unknown, target: string): TminusError {
  if (error instanceof TminusError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const words = typeof code === 'string' ? CODE_WORDS[code] : undefined;
  const safeTarget = redactUrl(target);
  if (words) return new TminusError('UNREACHABLE', words(safeTarget), { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new TminusError('UNREACHABLE', `cannot reach ${safeTarget}: ${redactUrl(message)}`, {
    cause: error,
  });
}
