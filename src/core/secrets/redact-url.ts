const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/gi;
const SECRET_QUERY_RE =
  /([?&](?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|sig|signature)=)[^&#\s]*/gi;

/**
 * Hides passwords that travel inside URLs: the `user:password@` part and well-known secret query
 * parameters. Driver error messages and connection strings pass through here before anyone sees them,
 * because a password in a URL is not necessarily a registered secret (it may be written inline).
 *
 * @example redactUrl('postgres://app:s3cret@db:5432/shop') // 'postgres://app:***@db:5432/shop'
 */
export function redactUrl(text: string): string {
  return text
    .replace(USERINFO_RE, (_m, scheme: string, user: string) => `${scheme}${user}:***@`)
    .replace(SECRET_QUERY_RE, '$1***');
}
