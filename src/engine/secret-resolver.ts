import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findSecretRefs } from '../core/secrets/secret-ref.js';
import { TminusError } from '../core/tminus-error.js';
import type { Redactor } from './redactor.js';

export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `${file:…}` paths are read from here (the plan's directory). */
  readonly baseDir: string;
}

/**
 * Replaces `${env:NAME}` and `${file:PATH}` everywhere inside a parameter value, right before an action
 * runs, and registers each resolved value with the redactor. A missing or empty variable, or an unreadable or
 * empty file, is a non-retryable `SECRET_UNRESOLVED` that names the reference, never the value: an empty
 * secret would otherwise let a command fall back to a default (a `pg_dump` of some other local database).
 */
export function resolveSecrets<T>(value: T, sources: SecretSources, redactor: Redactor): T {
  return walk(value, sources, (secret) => redactor.add(secret)) as T;
}

/**
 * The same resolution for one text outside a run (e.g. a plan connection's URL for `tminus data-diff`):
 * returns the resolved text and the secret values it now holds, for the caller to mask.
 */
export function resolveSecretText(
  text: string,
  sources: SecretSources,
): { value: string; secrets: string[] } {
  const secrets: string[] = [];
  const value = resolveString(text, sources, (secret) => {
    if (secret) secrets.push(secret);
  });
  return { value, secrets };
}

/**
 * Whether `resolveSecrets` would find a reference anywhere in `value` (the same walk: strings, arrays, object
 * values); the answer is kept per object, as plans are immutable.
 */
export function holdsSecretRefs(value: object): boolean {
  let holds = refsKnown.get(value);
  if (holds === undefined) {
    holds = anyRef(value);
    refsKnown.set(value, holds);
  }
  return holds;
}
const refsKnown = new WeakMap<object, boolean>();

function anyRef(value: unknown): boolean {
  if (typeof value === 'string') return findSecretRefs(value).refs.length > 0;
  if (Array.isArray(value)) return value.some(anyRef);
  if (value !== null && typeof value === 'object') return Object.values(value).some(anyRef);
  return false;
}

type OnSecret = (secret: string) => void;

function walk(value: unknown, sources: SecretSources, onSecret: OnSecret): unknown {
  if (typeof value === 'string') return resolveString(value, sources, onSecret);
  if (Array.isArray(value)) return value.map((v) => walk(v, sources, onSecret));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, sources, onSecret)]));
  }
  return value;
}

/**
 * One rule for every secret: an environment variable is taken as is; a file's content loses one final
 * line break (what editors and `echo` add), nothing else — spaces inside a password are the password.
 */
function resolveString(text: string, sources: SecretSources, onSecret: OnSecret): string {
  const { refs } = findSecretRefs(text);
  let out = text;
  for (const ref of refs) {
    let secret: string;
    if (ref.provider === 'env') {
      const v = sources.env[ref.name];
      if (v === undefined || v === '') {
        throw new TminusError(
          'SECRET_UNRESOLVED',
          `${ref.text} is ${v === undefined ? 'not set' : 'empty'} (environment variable ${ref.name}); nothing was run`,
          {
            retryable: false,
            hint: `export ${ref.name} in the environment of the process running the cutover`,
          },
        );
      }
      secret = v;
    } else {
      const path = resolve(sources.baseDir, ref.name);
      try {
        secret = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (cause) {
        throw new TminusError('SECRET_UNRESOLVED', `cannot read secret file ${path} (${ref.text})`, {
          cause,
          retryable: false,
        });
      }
      if (secret === '') {
        throw new TminusError(
          'SECRET_UNRESOLVED',
          `secret file ${path} is empty (${ref.text}); nothing was run`,
          {
            retryable: false,
          },
        );
      }
    }
    onSecret(secret);
    out = out.split(ref.text).join(secret);
  }
  return out;
}
