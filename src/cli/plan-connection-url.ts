import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findSecretRefs } from '../core/secret-ref.js';
import { TminusError } from '../core/tminus-error.js';
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
  const { refs, problems } = findSecretRefs(c.url);
  if (problems[0]) throw new TminusError('USAGE', `connection ${name}: ${problems[0].message}`);
  let url = c.url;
  const secrets: string[] = [];
  for (const ref of refs) {
    let value: string | undefined;
    if (ref.provider === 'env') value = io.env[ref.name];
    else {
      try {
        value = (await readFile(resolve(path, '..', ref.name), 'utf8')).trim();
      } catch (error) {
        throw new TminusError('USAGE', `connection ${name}: cannot read ${ref.text}`, { cause: error });
      }
    }
    if (value === undefined) throw new TminusError('USAGE', `connection ${name}: ${ref.text} is not set`);
    if (value) secrets.push(value);
    url = url.split(ref.text).join(value);
  }
  if (c.kind === 'sqlite' && !url.startsWith('sqlite:')) url = `sqlite:${resolve(path, '..', url)}`;
  return { url, secrets };
}
