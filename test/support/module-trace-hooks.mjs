// Module hooks (node:module register) that append every resolved module URL to the file named by
// TMINUS_MODULE_TRACE, one per line: tests use it to see which modules a CLI command loads.
import { appendFileSync } from 'node:fs';
import process from 'node:process';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const file = process.env.TMINUS_MODULE_TRACE;
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
