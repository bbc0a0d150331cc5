import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { ACTION_TYPES } from '../../core/action-types.js';
import { draftRollback, renderRollbackDraft } from '../../core/rollback/draft-rollback.js';
import { computeSchedule } from '../../core/schedule/schedule.js';
import { TminusError } from '../../core/tminus-error.js';
import { builtinActions } from '../../actions/builtin-actions.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { formatIssues } from '../format-issues.js';
import { readPlanFile } from '../read-plan-file.js';
import { createStyle } from '../style.js';

/**
 * `tminus rollback draft PLAN [--out FILE]`: the inverse of each forward step that changes something, last
 * change first, as YAML ready to paste under `rollback.steps`. Never overwrites a file without `--force`.
 */
export async function rollbackDraftCommand(
  file: string,
  options: { out?: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const catalog = builtinActions().catalog(ACTION_TYPES);
  const { plan, issues } = await readPlanFile(resolve(io.cwd, file), { actions: catalog });
  if (!plan) {
    io.stderr.write(formatIssues(file, issues, createStyle(io.stderr)) + '\n');
    return EXIT.notOk;
  }
  const steps = draftRollback(plan, catalog, computeSchedule(plan));
  const text = renderRollbackDraft(plan, steps);
  if (options.out === undefined) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  const out = resolve(io.cwd, options.out);
  try {
    await writeFile(out, text, { flag: options.force ? 'w' : 'wx' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new TminusError(
      'USAGE',
      code === 'EEXIST'
        ? `--out: ${options.out} already exists`
        : `--out: cannot write ${options.out}: ${(cause as Error).message}`,
      { cause, ...(code === 'EEXIST' ? { hint: 'pass --force to overwrite it' } : {}) },
    );
  }
  io.stderr.write(`wrote ${steps.length} rollback step(s) to ${relative(io.cwd, out) || out}\n`);
  return EXIT.ok;
}
