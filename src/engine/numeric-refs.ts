import type { z } from 'zod';
import { TminusError } from '../core/tminus-error.js';

/** A value that is one secret reference and nothing else: `${env:DNS_PORT}`, `${file:/run/port}`. */
const WHOLE_REF = /^\$\{(env|file):[^}]+\}$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    root,
  );

/** Issues of a parameter check where a number was expected and the value given is a whole reference. */
const isNumberRef = (params: unknown) => (i: z.core.$ZodIssue) =>
  i.code === 'invalid_type' &&
  i.expected === 'number' &&
  typeof valueAt(params, i.path) === 'string' &&
  WHOLE_REF.test(valueAt(params, i.path) as string);

/**
 * Numeric parameters (a `port`, a `ttl`) accept a whole `${env:…}` / `${file:…}` reference: validation leaves
 * them to the run, where the resolved text must be a number. Returns the issues that remain.
 */
export const withoutNumberRefs = (params: unknown, issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] =>
  issues.filter((i) => !isNumberRef(params)(i));

/**
 * At run time, after the references were resolved: each numeric parameter that was written as a reference
 * becomes the number its value spells, or fails (`INVALID_PARAMS`) naming the reference, never its value.
 * `written` are the parameters as in the plan, `resolved` the same with the references replaced.
 */
export function numbersFromRefs(
  schema: z.ZodType,
  written: Readonly<Record<string, unknown>>,
  resolved: Readonly<Record<string, unknown>>,
  action: string,
): Readonly<Record<string, unknown>> {
  const parsed = schema.safeParse(resolved);
  if (parsed.success) return resolved;
  const refs = parsed.error.issues.filter(isNumberRef(written));
  if (refs.length === 0) return resolved;
  const out = structuredClone(resolved) as Record<string, unknown>;
  for (const issue of refs) {
    const text = String(valueAt(resolved, issue.path)).trim();
    const ref = String(valueAt(written, issue.path));
    if (!NUMBER.test(text)) {
      throw new TminusError(
        'INVALID_PARAMS',
        `${action}: '${issue.path.join('.')}': ${ref} does not hold a number`,
        { retryable: false, hint: `set ${ref} to a number (e.g. 53)` },
      );
    }
    const parent = valueAt(out, issue.path.slice(0, -1)) as Record<PropertyKey, unknown>;
    parent[issue.path.at(-1)!] = Number(text);
  }
  return out;
}
