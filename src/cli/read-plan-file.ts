import { readFile, stat } from 'node:fs/promises';
import { TminusError } from '../core/tminus-error.js';
import { MAX_PLAN_BYTES } from '../core/plan/plan-source.js';
import type { LoadedPlan, LoadPlanOptions } from '../core/plan/load-plan.js';
import { loadPlan } from '../core/plan/load-plan.js';
import { ACTION_TYPES } from '../core/action-types.js';
import { builtinActions } from '../actions/builtin-actions.js';

/**
 * Reads and validates a plan file. A missing or unreadable file is a usage error (thrown); anything wrong
 * inside the file comes back as issues. Oversize files are refused without being read into memory.
 */
export async function readPlanFile(
  path: string,
  options: LoadPlanOptions = { actions: builtinActions().catalog(ACTION_TYPES) },
): Promise<LoadedPlan> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new TminusError('USAGE', `${path} is a directory, not a plan file`);
    size = info.size;
  } catch (cause) {
    if (cause instanceof TminusError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new TminusError('FILE_NOT_FOUND', `plan file not found: ${path}`, {
        cause,
        hint: 'run `tminus init` to write one',
      });
    }
    throw new TminusError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  if (size > MAX_PLAN_BYTES) {
    const mb = (size / 1048576).toFixed(1);
    return {
      plan: undefined,
      issues: [
        {
          severity: 'error',
          code: 'file-too-large',
          path: [],
          position: { line: 1, col: 1 },
          message: `plan file is ${mb} MB; the limit is ${MAX_PLAN_BYTES / 1048576} MB`,
        },
      ],
    };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new TminusError('FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  return loadPlan(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options);
}
