import { TminusError } from '../../../core/tminus-error.js';

/** OpenSSL/Node verification codes in the words a network engineer would use. */
const TLS_WORDS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet (its start date is in the future)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the certificate is signed by an unknown authority (untrusted chain, or the server does not send its intermediate certificates)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the certificate is signed by an unknown authority (its issuer is not among the trusted CAs)',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate of the chain is missing',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not cover this host name (wrong SAN)',
  CERT_SIGNATURE_FAILURE: 'the certificate signature does not verify',
  CERT_REVOKED: 'the certificate has been revoked',
  CERT_UNTRUSTED: 'the certificate is not trusted for this purpose',
  INVALID_CA: 'a certificate in the chain is not a valid CA',
  PATH_LENGTH_EXCEEDED: 'the chain is longer than the CA allows',
  EPROTO: 'the TLS handshake failed (protocol error: is this port speaking TLS?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer with TLS (plain HTTP on an HTTPS port?)',
};

/** Whether a thrown error (or a verification code) is about TLS, not about reaching the server. */
export function isTlsErrorCode(code: unknown): code is string {
  return (
    typeof code === 'string' &&
    (code in TLS_WORDS || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))
  );
}

/** Plain words for a verification code such as `CERT_HAS_EXPIRED`; falls back to the code itself. */
export function tlsProblemWords(code: string, fallback?: string): string {
  return TLS_WORDS[code] ?? (fallback ? `TLS failed: ${fallback}` : `TLS failed (${code})`);
}

/** A `TLS_INVALID` error for `target`, naming the problem in plain words and the code for searching. */
export function describeTlsError(code: string, target: string, cause?: unknown): TminusError {
  const message = cause instanceof Error ? cause.message : undefined;
  return new TminusError('TLS_INVALID', `${target}: ${tlsProblemWords(code, message)} [${code}]`, {
    cause,
    hint: 'fix the certificate, or give `ca:` for a private CA; `insecure: true` skips verification (never in live runs)',
  });
}
