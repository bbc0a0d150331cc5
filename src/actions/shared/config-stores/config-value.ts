/** A configuration value: text in dotenv, properties, SSM and etcd; any JSON/YAML scalar in those files. */
export type ConfigValue = string | number | boolean | null;

/** What a secret value is shown as, everywhere. */
export const MASK = '***';

/**
 * Whether two values are the same setting: equal, or equal as text (`"5432"` matches `5432`, as a
 * configuration reader would coerce it). `undefined` (absent) equals only itself.
 */
export function sameValue(a: ConfigValue | undefined, b: ConfigValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === b) return true;
  if (a === null || b === null) return false;
  return String(a) === String(b);
}

/** `"https://x"`, `5432`, `(absent)` or `***` for a secret: how values appear in summaries and errors. */
export function showValue(value: ConfigValue | undefined, secret: boolean): string {
  if (value === undefined) return '(absent)';
  if (secret) return MASK;
  return JSON.stringify(value);
}
