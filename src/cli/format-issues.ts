import type { Issue } from '../core/validation/issue.js';
import type { Style } from './style.js';

/** `plan.yaml:12:7  error  unknown key 'ownr'  (unknown-key)` followed by an indented hint line. */
export function formatIssues(file: string, issues: readonly Issue[], style: Style): string {
  const lines: string[] = [];
  for (const i of issues) {
    const where = `${file}:${i.position?.line ?? 1}:${i.position?.col ?? 1}`;
    const severity = i.severity === 'error' ? style.error('error') : style.warning('warning');
    lines.push(`${where}  ${severity}  ${i.message}  ${style.dim(`(${i.code})`)}`);
    if (i.hint) lines.push(`    ${style.dim('hint:')} ${i.hint}`);
    if (i.relatedPosition) {
      lines.push(`    ${style.dim('see:')} ${file}:${i.relatedPosition.line}:${i.relatedPosition.col}`);
    }
  }
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  const summary = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  lines.push(
    errors > 0
      ? style.error(`✖ ${file}: ${summary}`)
      : style.ok(`✔ ${file} is valid`) + (warnings ? ` (${summary})` : ''),
  );
  return lines.join('\n');
}

/** The machine-readable form: `{ file, valid, errors, warnings, issues: [{ severity, code, message, line, col, path, hint }] }`. */
export function issuesJson(file: string, issues: readonly Issue[]) {
  const errors = issues.filter((i) => i.severity === 'error').length;
  return {
    file,
    valid: errors === 0,
    errors,
    warnings: issues.length - errors,
    issues: issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      message: i.message,
      line: i.position?.line ?? 1,
      col: i.position?.col ?? 1,
      path: i.path,
      ...(i.hint ? { hint: i.hint } : {}),
    })),
  };
}
