import { ACTION_TYPES } from '../../core/action-types.js';
import { builtinActions } from '../../actions/builtin-actions.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { createStyle } from '../style.js';

/** `tminus actions [--json]`: the actions a plan may use, whether each is idempotent, and what it does. */
export function actionsCommand(options: { json?: boolean }, io: CliIo): number {
  const registry = builtinActions();
  const rows = [...new Set([...ACTION_TYPES, ...registry.types()])].sort().map((type) => {
    const action = registry.get(type);
    return {
      type,
      available: action !== undefined,
      idempotent: action?.idempotent ?? null,
      dryRun: action ? typeof action.plan === 'function' : null,
      description: action?.description ?? 'part of plan format v1; not available in this build',
    };
  });
  if (options.json) {
    io.stdout.write(JSON.stringify({ actions: rows }, null, 2) + '\n');
    return EXIT.ok;
  }
  const style = createStyle(io.stdout);
  const width = Math.max(...rows.map((r) => r.type.length));
  for (const r of rows) {
    const flags = r.available ? `${r.idempotent ? 'idempotent' : 'runs once  '}` : 'unavailable';
    const line = `${r.type.padEnd(width)}  ${flags}  ${r.description}`;
    io.stdout.write((r.available ? line : style.dim(line)) + '\n');
  }
  return EXIT.ok;
}
