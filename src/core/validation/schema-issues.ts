import type { z } from 'zod';
import type { Issue, PathSegment } from './issue.js';
import { didYouMeanHint } from '../did-you-mean.js';
import { redactUrl } from '../secrets/redact-url.js';

type AnySchema = z.core.$ZodType;

/** The keys an object schema accepts at `path` (walking arrays, records and optional wrappers), if any. */
export function knownKeysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  let node: AnySchema | undefined = schema;
  for (const segment of [...path, null]) {
    node = unwrap(node);
    if (!node) return [];
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (segment === null) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') node = (def.shape as Record<string, AnySchema>)[String(segment)];
    else if (def.type === 'array') node = def.element as AnySchema;
    else if (def.type === 'record') node = def.valueType as AnySchema;
    else return [];
  }
  return [];
}

function unwrap(node: AnySchema | undefined): AnySchema | undefined {
  let current = node;
  for (let i = 0; i < 10 && current; i++) {
    const def = current._zod.def as unknown as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (
      def.innerType &&
      ['optional', 'nullable', 'default', 'readonly', 'nonoptional', 'catch', 'prefault'].includes(def.type)
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
}

function valueAt(root: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !(String(segment) in node)) {
      return { found: false, value: undefined };
    }
    node = (node as Record<string, unknown>)[String(segment)];
  }
  return { found: true, value: node };
}

const typeName = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a mapping'
        : typeof v === 'string'
          ? 'text'
          : `a ${typeof v}`;

const SECRET_KEY = /pass|secret|token|key|credential|auth/i;

/**
 * `, got 'T-30x'`: the refused value, quoted so the person sees what is wrong with it. Never a value under a
 * key that may hold a secret, never a URL's password, and long values shortened.
 */
function quoted(value: unknown, key: PathSegment | undefined): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  if (typeof key === 'string' && SECRET_KEY.test(key)) return '';
  const text = redactUrl(String(value));
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return typeof value === 'number' ? `, got ${shown}` : `, got '${shown}'`;
}

/**
 * Turns schema issues into plan issues a person can act on: unknown keys one by one with "did you mean",
 * missing keys named, wrong types said in plain words.
 */
export function schemaIssues(
  schema: AnySchema,
  raw: unknown,
  zodIssues: readonly z.core.$ZodIssue[],
): Issue[] {
  const issues: Issue[] = [];
  for (const zi of zodIssues) {
    const path = zi.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (zi.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of zi.keys) {
        const hint =
          didYouMeanHint(key, known) ?? (known.length ? `expected one of: ${known.join(', ')}` : undefined);
        issues.push({
          severity: 'error',
          code: 'unknown-key',
          path: [...path, key],
          atKey: true,
          message: `unknown key '${key}'`,
          ...(hint ? { hint } : {}),
        });
      }
      continue;
    }
    const last = path[path.length - 1];
    const { found, value } = valueAt(raw, path);
    if (zi.code === 'invalid_type' && !found && path.length > 0) {
      issues.push({
        severity: 'error',
        code: 'missing-key',
        path: path.slice(0, -1),
        message: `missing required key '${String(last)}'`,
      });
      continue;
    }
    const where = last === undefined ? 'the plan' : typeof last === 'number' ? `item ${last}` : `'${last}'`;
    const got = quoted(value, last);
    if (zi.code === 'invalid_type') {
      const expected =
        zi.expected === 'object' || zi.expected === 'record'
          ? 'a mapping'
          : zi.expected === 'array'
            ? 'a list'
            : zi.expected === 'int'
              ? 'a whole number'
              : `${/^[aeiou]/.test(zi.expected) ? 'an' : 'a'} ${zi.expected}`;
      const custom = /^expected /.test(zi.message) ? zi.message : `expected ${expected}`;
      issues.push({
        severity: 'error',
        code: 'wrong-type',
        path,
        message: `${where}: ${custom}, got ${typeName(value)}`,
      });
      continue;
    }
    if (zi.code === 'invalid_value') {
      const options = zi.values.map((v) => String(v));
      const hint = typeof value === 'string' ? didYouMeanHint(value, options) : undefined;
      const message = zi.message.startsWith('expected ')
        ? zi.message
        : `expected one of: ${options.join(', ')}`;
      issues.push({
        severity: 'error',
        code: 'bad-value',
        path,
        message: `${where}: ${message}${got}`,
        ...(hint ? { hint } : {}),
      });
      continue;
    }
    const message = zi.message
      .replace(/^Invalid input: /, '')
      .replace(/^Too small: /, '')
      .replace(/^Too big: /, '');
    issues.push({
      severity: 'error',
      code: zi.code === 'invalid_format' ? 'bad-format' : 'bad-value',
      path,
      message: `${where}: ${message}${got}`,
    });
  }
  return issues;
}
