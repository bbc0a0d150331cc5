import { dirname, resolve } from 'node:path';
import { findSecretRefs } from '../core/secrets/secret-ref.js';
import { TminusError } from '../core/tminus-error.js';
import { resolveSecretText } from '../engine/secret-resolver.js';
import type { CliIo } from './cli-io.js';
import { readPlanFile } from './read-plan-file.js';

/**
 * Resolves `--source`/`--target` given as the name of a plan connection into its URL, with `${env:NAME}` and
 * `${file:PATH}` references replaced. Returns the URL and the secret values it now contains (for redaction).
 */
export async function planConnectionUrl(
  planFile: string,
  name: string,
  io: CliIo,
): Promise<{ url: string; secrets: string[] }> {
  const path = resolve(io.cwd, planFile);
  const { plan, issues } = await readPlanFile(path);
  if (!plan) {
    const first = issues.find((i) => i.severity === 'error');
    throw new TminusError(
      'USAGE',
      `--plan: ${planFile} is not a valid plan${first ? `: ${first.message}` : ''}`,
      {
        hint: `tminus validate ${planFile}`,
      },
    );
  }
  const c = plan.connections[name];
  if (!c) {
    const known = Object.keys(plan.connections).join(', ') || 'none';
    throw new TminusError(
      'USAGE',
      `connection ${name} is not declared in ${planFile} (connections: ${known})`,
    );
  }
  if (c.url === undefined) throw new TminusError('USAGE', `connection ${name} in ${planFile} has no url`);
  const { problems } = findSecretRefs(c.url);
  if (problems[0]) throw new TminusError('USAGE', `connection ${name}: ${problems[0].message}`);
  let url: string;
  let secrets: string[];
  try {
    ({ value: url, secrets } = resolveSecretText(c.url, { env: io.env, baseDir: dirname(path) }));
  } catch (error) {
    if (!(error instanceof TminusError)) throw error;
    throw new TminusError(error.code, `connection ${name}: ${error.message}`, {
      cause: error,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    });
  }
  if (c.kind === 'sqlite' && !url.startsWith('sqlite:')) url = `sqlite:${resolve(path, '..', url)}`;
  return { url, secrets };
}
