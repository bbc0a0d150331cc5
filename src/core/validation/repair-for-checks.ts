import type { z } from 'zod';
import type { PathSegment } from './issue.js';

type AnySchema = z.ZodType;

const REMOVE = Symbol('remove');

/** Values tried in place of one the schema refused, in order; the first it accepts at that place is kept. */
const candidates = (n: number): readonly unknown[] => [
  REMOVE,
  `tminus-repaired-${n}`,
  'T-0',
  '1m',
  0,
  1,
  true,
  [],
  {},
];

/** Placeholders that stand for a time: semantic checks comparing times cannot trust a plan that has one. */
const TIME_LIKE = new Set<unknown>(['T-0', '1m']);

export interface Repaired {
  /** The plan value with each refused value removed or replaced, which the schema accepts. */
  readonly value: unknown;
  /** Where values were removed or replaced: issues found there (or below) are artefacts of the repair. */
  readonly paths: readonly (readonly PathSegment[])[];
  /** Whether a time was replaced: checks comparing times would report artefacts. */
  readonly timeReplaced: boolean;
}

const isWithin = (path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean =>
  prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));

const pathOf = (issue: z.core.$ZodIssue): PathSegment[] =>
  issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) {
    const next = node[String(segment)];
    if (next === null || typeof next !== 'object') return undefined;
    node = next as Record<string, unknown>;
  }
  const last = String(path[path.length - 1]);
  if (value === REMOVE) {
    if (Array.isArray(node)) return undefined;
    delete node[last];
  } else node[last] = value;
  return copy;
}

/**
 * A copy of a plan that failed the schema, repaired just enough for the semantic checks to run on the rest
 * of it, so every problem shows in one pass: each refused value is removed, or replaced by the first
 * placeholder the schema accepts there. Undefined when some problem cannot be repaired that way (then only
 * the schema's issues are reported, as before). Hand-written: a schema library validates, it does not
 * guess the nearest valid document.
 */
export function repairForChecks(
  schema: AnySchema,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
): Repaired | undefined {
  let current = value;
  let pending = issues;
  const paths: PathSegment[][] = [];
  let timeReplaced = false;
  for (let round = 0; round < 200 && pending.length > 0; round++) {
    const issue = pending[0]!;
    const path = pathOf(issue);
    let next: unknown;
    if (issue.code === 'unrecognized_keys') {
      next = issue.keys.reduce<unknown>((v, key) => v && setAt(v, [...path, key], REMOVE), current);
    } else {
      if (path.length === 0) return undefined;
      for (const candidate of candidates(round)) {
        const trial = setAt(current, path, candidate);
        if (trial === undefined) continue;
        const parsed = schema.safeParse(trial);
        const stillThere = !parsed.success && parsed.error.issues.some((i) => isWithin(pathOf(i), path));
        if (!stillThere) {
          next = trial;
          if (TIME_LIKE.has(candidate)) timeReplaced = true;
          break;
        }
      }
      if (next === undefined) return undefined;
      paths.push(path);
    }
    if (next === undefined) return undefined;
    current = next;
    const parsed = schema.safeParse(current);
    pending = parsed.success ? [] : parsed.error.issues;
  }
  return pending.length === 0 ? { value: current, paths, timeReplaced } : undefined;
}

/** Whether an issue found on a repaired plan concerns a repaired place (an artefact of the repair). */
export const concernsRepair = (
  repaired: Repaired,
  issue: { readonly path: readonly PathSegment[]; readonly related?: readonly PathSegment[] },
): boolean =>
  repaired.paths.some(
    (p) => isWithin(issue.path, p) || (issue.related !== undefined && isWithin(issue.related, p)),
  );
