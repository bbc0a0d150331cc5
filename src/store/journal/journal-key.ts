import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { findSecretRefs } from '../../core/secrets/secret-ref.js';
import { TminusError } from '../../core/tminus-error.js';

/** The secret the journal's chain is keyed with (HMAC-SHA256), and its public id (kept in the store). */
export interface JournalKey {
  readonly id: string;
  readonly secret: Buffer;
}

/**
 * Where a store's journal key comes from. The key never lives in the store: whoever can write the store
 * cannot recompute the chain without it.
 */
export interface JournalKeyring {
  /** The key with this id, or undefined when it is not available on this machine. */
  find(keyId: string): JournalKey | undefined;
  /** The key for a store that has none yet: the one given by reference, or a new one created now. */
  forNewStore(): JournalKey;
  /** Where the key with this id is looked for, for messages. */
  whereIs(keyId: string): string;
}

const KEY_BYTES = 32;

/** The public id of a key: a digest that names it without revealing it. */
export const keyIdOf = (secret: Buffer): string =>
  createHash('sha256').update('tminus journal key id\n').update(secret).digest('hex').slice(0, 16);

const keyOf = (secret: Buffer): JournalKey => ({ id: keyIdOf(secret), secret });

/** A key that lives only in this process (`:memory:` stores; a fixed `secret` makes simulations replayable). */
export function memoryKeyring(secret: Buffer = randomBytes(KEY_BYTES)): JournalKeyring {
  const key = keyOf(secret);
  return {
    find: (id) => (id === key.id ? key : undefined),
    forNewStore: () => key,
    whereIs: () => 'this process only (an in-memory store)',
  };
}

/** `$XDG_CONFIG_HOME/tminus`, else `~/.config/tminus`: where keys and witnesses live by default. */
export function tminusConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'tminus');
}

/** Whether `path` is inside `dir` (or is it). */
export const isInside = (path: string, dir: string): boolean => {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Keys on disk: `TMINUS_JOURNAL_KEY=${file:PATH}` (or `${env:NAME}`) gives one by reference; otherwise each
 * store gets its own key, created on first use as `<config>/keys/<id>.key` (directory 0700, file 0600).
 * A key must not live in the store's own directory (`storeDir`), where a copy of the store would take it.
 */
export function fileKeyring(
  env: Readonly<Record<string, string | undefined>>,
  storeDir: string | undefined,
): JournalKeyring {
  const dir = join(tminusConfigDir(env), 'keys');
  const outside = (path: string, what: string) => {
    if (storeDir !== undefined && isInside(path, storeDir)) {
      throw new TminusError('JOURNAL_KEY_INVALID', `${what} ${path} is inside the store's directory`, {
        hint: 'keep the journal key away from the store it protects (default: ~/.config/tminus/keys)',
      });
    }
  };
  let given: JournalKey | undefined | null = null;
  const givenKey = (): JournalKey | undefined => {
    if (given === null) given = readGivenKey(env, outside);
    return given;
  };
  const fileFor = (id: string) => join(dir, `${id}.key`);
  return {
    find(id) {
      const g = givenKey();
      if (g?.id === id) return g;
      const path = fileFor(id);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return undefined; // not on this machine
      }
      outside(path, 'the journal key');
      const key = parseKey(text, path);
      return key.id === id ? key : undefined;
    },
    forNewStore() {
      const g = givenKey();
      if (g) return g;
      const key = keyOf(randomBytes(KEY_BYTES));
      outside(fileFor(key.id), 'the journal key');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(fileFor(key.id), `${key.secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      return key;
    },
    whereIs: (id) =>
      `${fileFor(id)}${env.TMINUS_JOURNAL_KEY ? ` or TMINUS_JOURNAL_KEY (${env.TMINUS_JOURNAL_KEY})` : ''}`,
  };
}

function readGivenKey(
  env: Readonly<Record<string, string | undefined>>,
  outside: (path: string, what: string) => void,
): JournalKey | undefined {
  const reference = env.TMINUS_JOURNAL_KEY;
  if (!reference) return undefined;
  const { refs } = findSecretRefs(reference);
  const ref = refs[0];
  if (refs.length !== 1 || ref?.text !== reference.trim()) {
    throw new TminusError(
      'JOURNAL_KEY_INVALID',
      'TMINUS_JOURNAL_KEY must be a reference such as ${file:/etc/tminus/journal.key} or ${env:NAME}',
      { hint: 'create a key with: openssl rand -hex 32 > journal.key && chmod 600 journal.key' },
    );
  }
  if (ref.provider === 'env') {
    const value = env[ref.name];
    if (!value) throw new TminusError('JOURNAL_KEY_INVALID', `TMINUS_JOURNAL_KEY: ${ref.text} is not set`);
    return parseKey(value, ref.text);
  }
  const path = resolve(ref.name);
  outside(path, 'TMINUS_JOURNAL_KEY');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TminusError('JOURNAL_KEY_INVALID', `TMINUS_JOURNAL_KEY: cannot read ${path}`, { cause });
  }
  return parseKey(text, path);
}

/** 64 (or more) hex digits, or base64 of at least 32 bytes. Never echoes the text. */
function parseKey(text: string, where: string): JournalKey {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64,}$/.test(t) && t.length % 2 === 0) return keyOf(Buffer.from(t, 'hex'));
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const bytes = Buffer.from(t, 'base64');
    if (bytes.length >= KEY_BYTES) return keyOf(bytes);
  }
  throw new TminusError('JOURNAL_KEY_INVALID', `${where} holds no journal key (expected 64 hex digits)`, {
    hint: 'create one with: openssl rand -hex 32',
  });
}
