import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ID_PATTERN } from '../core/plan/plan-schema.js';
import { TminusError } from '../core/tminus-error.js';
import type { AccessTokenRecord, TokenRole, TokenStore } from '../store/store.js';

/** Who a request comes from once its token is checked. */
export interface Principal {
  readonly person: string;
  readonly role: TokenRole;
  readonly tokenId: string;
}

const PREFIX = 'tmn';
const TOKEN_RE = /^tmn_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
const personRe = new RegExp(ID_PATTERN);

const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/**
 * Issues a token for a person: `tmn_<id>_<secret>`. The secret is 256 random bits, so a plain SHA-256 is
 * enough to store it (a slow password hash protects guessable secrets; this one is not guessable).
 * The token text is returned once and never stored.
 */
export async function issueToken(
  store: TokenStore,
  request: { readonly person: string; readonly role: TokenRole; readonly expiresInMs?: number },
  nowMs: number,
): Promise<{ readonly token: string; readonly record: AccessTokenRecord }> {
  if (!personRe.test(request.person)) {
    throw new TminusError('USAGE', `--as: '${request.person}' is not a person id`, {
      hint: 'person ids are lower-case letters, digits and dashes, as in the plan roles',
    });
  }
  const id = randomBytes(8).toString('hex').slice(0, 10);
  const secret = randomBytes(32).toString('base64url');
  const record: AccessTokenRecord = {
    id,
    person: request.person,
    role: request.role,
    secretHash: hashSecret(secret),
    createdAtMs: nowMs,
    ...(request.expiresInMs === undefined ? {} : { expiresAtMs: nowMs + request.expiresInMs }),
  };
  await store.createToken(record);
  return { token: `${PREFIX}_${id}_${secret}`, record };
}

const unauthenticated = (message: string, hint?: string): TminusError =>
  new TminusError('UNAUTHENTICATED', message, hint === undefined ? {} : { hint });

/**
 * The person and role a token stands for, or UNAUTHENTICATED saying why (missing, malformed, unknown,
 * revoked, expired). Messages never repeat the secret part of what was presented.
 */
export async function authenticate(
  store: TokenStore,
  presented: string | undefined,
  nowMs: number,
): Promise<Principal> {
  if (presented === undefined || presented === '') {
    throw unauthenticated(
      'no token: send Authorization: Bearer <token>',
      'create one with `tminus token create --as PERSON`',
    );
  }
  const m = TOKEN_RE.exec(presented);
  if (!m) throw unauthenticated('the token is malformed (expected tmn_<id>_<secret>)');
  const [, id, secret] = m as unknown as [string, string, string];
  const record = await store.tokenById(id);
  const given = Buffer.from(hashSecret(secret), 'hex');
  if (!record || !timingSafeEqual(given, Buffer.from(record.secretHash, 'hex'))) {
    throw unauthenticated(`token ${id} is not valid`);
  }
  if (record.revokedAtMs !== undefined) {
    throw unauthenticated(
      `token ${id} (${record.person}) was revoked at ${new Date(record.revokedAtMs).toISOString()}`,
    );
  }
  if (record.expiresAtMs !== undefined && record.expiresAtMs <= nowMs) {
    throw unauthenticated(
      `token ${id} (${record.person}) expired at ${new Date(record.expiresAtMs).toISOString()}`,
      'create a new one with `tminus token create`',
    );
  }
  return { person: record.person, role: record.role, tokenId: record.id };
}
