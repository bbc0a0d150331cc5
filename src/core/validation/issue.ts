/** One path step into the plan document: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** A position in the plan file, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/**
 * One problem found in a plan. Validation collects all of them and never stops at the first.
 * `code` is a stable kebab-case name that tests and `--json` consumers can rely on.
 */
export interface Issue {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly path: readonly PathSegment[];
  readonly hint?: string;
  /** Whether `path` points at a mapping key (e.g. an unknown key) rather than at its value. */
  readonly atKey?: boolean;
  readonly position?: SourcePosition;
  /** Another place the issue concerns (e.g. the first of two duplicate ids). */
  readonly related?: readonly PathSegment[];
  readonly relatedPosition?: SourcePosition;
}

export const error = (code: string, path: readonly PathSegment[], message: string, hint?: string): Issue =>
  hint === undefined
    ? { severity: 'error', code, path, message }
    : { severity: 'error', code, path, message, hint };

export const warning = (code: string, path: readonly PathSegment[], message: string, hint?: string): Issue =>
  hint === undefined
    ? { severity: 'warning', code, path, message }
    : { severity: 'warning', code, path, message, hint };

/** Orders issues by position (then errors before warnings) so output reads top to bottom. */
export function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
      (a.position?.col ?? 0) - (b.position?.col ?? 0) ||
      (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
  );
}

export const hasErrors = (issues: readonly Issue[]): boolean => issues.some((i) => i.severity === 'error');
