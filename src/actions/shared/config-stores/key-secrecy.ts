import type { ActionContext } from '../../../engine/action.js';
import type { StoredValue } from './config-store.js';
import type { ConfigValue } from './config-value.js';

/**
 * Decides which keys are secret: named in `secret:` (or `secret: true`), stored as secret (SecureString,
 * Secrets Manager), or given a value that came from a secret reference (`${env:…}`, `${file:…}`: the
 * redactor knows it). A secret's values are shown as `***` in summaries, evidence, plans and errors.
 */
export function keySecrecy(
  ctx: Pick<ActionContext, 'redact'>,
  secret: boolean | readonly string[] | undefined,
) {
  // Resolved, the redactor knows the value; unresolved (a dry run), the reference itself says so.
  const fromReference = (v: ConfigValue | null | undefined) =>
    typeof v === 'string' && v !== '' && (ctx.redact(v) !== v || /\$\{(env|file):/.test(v));
  return (key: string, stored: StoredValue | undefined, ...given: (ConfigValue | null | undefined)[]) =>
    secret === true ||
    (Array.isArray(secret) && secret.includes(key)) ||
    stored?.secret === true ||
    given.some(fromReference);
}
