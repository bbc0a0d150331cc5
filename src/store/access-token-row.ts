import type { AccessTokenRecord, TokenRole } from './store.js';

/** A row of the `access_tokens` table as both stores return it (PostgreSQL bigints come back as text). */
export interface AccessTokenRow {
  token_id: string;
  person: string;
  role: string;
  secret_hash: string;
  created_at_ms: number | string;
  expires_at_ms: number | string | null;
  revoked_at_ms: number | string | null;
}

/** The stored token a row holds. */
export function tokenFromRow(r: AccessTokenRow): AccessTokenRecord {
  return {
    id: r.token_id,
    person: r.person,
    role: r.role as TokenRole,
    secretHash: r.secret_hash,
    createdAtMs: Number(r.created_at_ms),
    ...(r.expires_at_ms === null ? {} : { expiresAtMs: Number(r.expires_at_ms) }),
    ...(r.revoked_at_ms === null ? {} : { revokedAtMs: Number(r.revoked_at_ms) }),
  };
}

/** The values of an INSERT in column order: token_id, person, role, secret_hash, created, expires. */
export const tokenInsertValues = (t: AccessTokenRecord): (string | number | null)[] => [
  t.id,
  t.person,
  t.role,
  t.secretHash,
  t.createdAtMs,
  t.expiresAtMs ?? null,
];
