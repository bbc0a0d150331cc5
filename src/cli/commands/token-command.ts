import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../core/plan/duration.js';
import { TminusError } from '../../core/tminus-error.js';
import { issueToken } from '../../engine/access-tokens.js';
import type { TokenRole } from '../../store/store.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { STORE_DIR, STORE_FILE, findStorePath } from '../run-context.js';
import { createStore, displayStore } from '../../store/open-store.js';

/** The store tokens go into: the one runs use, or a new `.tminus/tminus.db` here. */
function tokenStoreLocation(options: StoreOptions, io: CliIo): string {
  try {
    return findStorePath(options, io);
  } catch (error) {
    if (error instanceof TminusError && error.code === 'RUN_NOT_FOUND') {
      return join(io.cwd, STORE_DIR, STORE_FILE);
    }
    throw error;
  }
}

/** `tminus token create --as PERSON [--role viewer] [--expires 12h]`: prints the token once. */
export async function tokenCreateCommand(
  options: StoreOptions & { as?: string; role?: string; expires?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const person = options.as ?? io.env.TMINUS_AS;
  if (!person) {
    throw new TminusError('USAGE', 'token create: say whose token it is with --as PERSON', {
      hint: 'the token acts as that person, checked against the plan roles',
    });
  }
  const role = options.role ?? 'person';
  if (role !== 'person' && role !== 'viewer') {
    throw new TminusError('USAGE', `--role: '${role}' is not a token role`, {
      hint: 'person (default) or viewer',
    });
  }
  let expiresInMs: number | undefined;
  if (options.expires !== undefined) {
    expiresInMs = parseDuration(options.expires);
    if (expiresInMs === undefined || expiresInMs <= 0) {
      throw new TminusError('USAGE', `--expires: '${options.expires}' is not a duration`, {
        hint: 'e.g. 12h, 30m, 2d',
      });
    }
  }
  const location = tokenStoreLocation(options, io);
  const store = await createStore(location);
  try {
    const { token, record } = await issueToken(
      store,
      { person, role: role as TokenRole, ...(expiresInMs === undefined ? {} : { expiresInMs }) },
      io.now(),
    );
    if (options.json) {
      io.stdout.write(JSON.stringify({ ...tokenJson(record), token }, null, 2) + '\n');
    } else {
      io.stdout.write(`${token}\n`);
      io.stderr.write(
        `token ${record.id} for ${person} (${role}${record.expiresAtMs ? `, expires ${new Date(record.expiresAtMs).toISOString()}` : ', no expiry'}) in ${displayStore(location)}\n` +
          'shown once: give it to its person (TMINUS_TOKEN); revoke with `tminus token revoke ' +
          `${record.id}\`\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

const tokenJson = (t: {
  id: string;
  person: string;
  role: string;
  createdAtMs: number;
  expiresAtMs?: number;
  revokedAtMs?: number;
}) => ({
  id: t.id,
  person: t.person,
  role: t.role,
  created: new Date(t.createdAtMs).toISOString(),
  expires: t.expiresAtMs === undefined ? null : new Date(t.expiresAtMs).toISOString(),
  revoked: t.revokedAtMs === undefined ? null : new Date(t.revokedAtMs).toISOString(),
});

/** `tminus token list [--json]`: every token (never a secret), with its state. */
export async function tokenListCommand(
  options: StoreOptions & { json?: boolean },
  io: CliIo,
): Promise<number> {
  const location = tokenStoreLocation(options, io);
  if (!location.startsWith('postgres') && !existsSync(location)) {
    io.stdout.write(options.json ? '[]\n' : 'no tokens\n');
    return EXIT.ok;
  }
  const store = await createStore(location);
  try {
    const tokens = await store.listTokens();
    const now = io.now();
    if (options.json) {
      io.stdout.write(JSON.stringify(tokens.map(tokenJson), null, 2) + '\n');
      return EXIT.ok;
    }
    if (tokens.length === 0) io.stdout.write('no tokens\n');
    for (const t of tokens) {
      const state =
        t.revokedAtMs !== undefined
          ? 'revoked'
          : t.expiresAtMs !== undefined && t.expiresAtMs <= now
            ? 'expired'
            : t.expiresAtMs !== undefined
              ? `valid until ${new Date(t.expiresAtMs).toISOString()}`
              : 'valid';
      io.stdout.write(`${t.id}  ${t.person.padEnd(16)} ${t.role.padEnd(7)} ${state}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `tminus token revoke ID`: the token stops working at once, on every server sharing the store. */
export async function tokenRevokeCommand(id: string, options: StoreOptions, io: CliIo): Promise<number> {
  const store = await createStore(tokenStoreLocation(options, io));
  try {
    const existing = await store.tokenById(id);
    if (!existing) {
      throw new TminusError('USAGE', `token revoke: no token '${id}'`, { hint: 'see `tminus token list`' });
    }
    if (!(await store.revokeToken(id, io.now()))) {
      io.stdout.write(`token ${id} (${existing.person}) was already revoked\n`);
      return EXIT.ok;
    }
    io.stdout.write(`token ${id} (${existing.person}) revoked\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
