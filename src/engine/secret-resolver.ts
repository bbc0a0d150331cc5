import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findSecretRefs } from '../core/secret-ref.js';
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
  return walk(value, sources, redactor) as T;
}

function walk(value: unknown, sources: SecretSources, redactor: Redactor): unknown {
  if (typeof value === 'string') return resolveString(value, sources, redactor);
  if (Array.isArray(value)) return value.map((v) => walk(v, sources, redactor));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, sources, redactor)]));
  }
  return value;
}

function resolveString(text: string, sources: SecretSources, redactor: Redactor): string {
  const { refs } = findSecretRefs(text);
  let out = text;
  for (const ref of refs) {
    let secret: string;
    if (ref.provider === 'env') {
      const v = sources.env[ref.name];
      if (v === undefined || v === '') {
        throw new TminusError(
          'SECRET_UNRESOLVED',
          `environment variable ${ref.name} is ${v === undefined ? 'not set' : 'empty'} (${ref.text}); nothing was run`,
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
    redactor.add(secret);
    out = out.split(ref.text).join(secret);
  }
  return out;
}
