import { resolve } from 'node:path';
import { hasErrors } from '../../core/validation/issue.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { readPlanFile } from '../read-plan-file.js';
import { formatIssues, issuesJson } from '../format-issues.js';
import { createStyle } from '../style.js';

/** `tminus validate FILE [--json]`: every issue at once; exit 0 valid (warnings allowed), 1 invalid. */
export async function validateCommand(file: string, options: { json?: boolean }, io: CliIo): Promise<number> {
  const { issues } = await readPlanFile(resolve(io.cwd, file));
  if (options.json) io.stdout.write(JSON.stringify(issuesJson(file, issues), null, 2) + '\n');
  else io.stdout.write(formatIssues(file, issues, createStyle(io.stdout)) + '\n');
  return hasErrors(issues) ? EXIT.notOk : EXIT.ok;
}
