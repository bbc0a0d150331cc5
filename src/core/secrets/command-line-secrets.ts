import { findSecretRefs, type SecretRef } from './secret-ref.js';

/**
 * A secret reference inside a command line that a shell parses, and the line rewritten so the command gets
 * the value as an environment variable instead. Pasting a value into shell text would let the shell parse
 * it: `pa$$w0rd; rm -rf x` would both run and leak (the mangled text no longer matches the mask).
 */
export interface CommandLineSecrets {
  readonly refs: readonly SecretRef[];
  /** The same command, referring to each secret by variable name, quoted for where it stands. */
  readonly line: string;
  /** What to add under `env:` (variable name → the reference as written). */
  readonly env: Readonly<Record<string, string>>;
}

/** The `${env:…}` / `${file:…}` references in a command line and the safe rewrite; undefined without any. */
export function commandLineSecrets(line: string): CommandLineSecrets | undefined {
  const { refs } = findSecretRefs(line);
  if (refs.length === 0) return undefined;
  const env: Record<string, string> = {};
  let out = '';
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length;) {
    const ref = refs.find((r) => line.startsWith(r.text, i));
    if (ref && quote !== "'") {
      const name = variableFor(ref, env);
      env[name] = ref.text;
      out += quote === '"' ? `\${${name}}` : `"\${${name}}"`;
      i += ref.text.length;
      continue;
    }
    if (ref && quote === "'") {
      // Inside single quotes nothing expands: close them, expand in double quotes, reopen.
      const name = variableFor(ref, env);
      env[name] = ref.text;
      out += `'"\${${name}}"'`;
      i += ref.text.length;
      continue;
    }
    const c = line[i]!;
    if (c === '\\' && quote !== "'") {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if ((c === "'" || c === '"') && (quote === undefined || quote === c)) quote = quote ? undefined : c;
    out += c;
    i += 1;
  }
  return { refs, line: out, env };
}

/** `${env:PW}` → `PW`; `${file:secrets/db-pass.txt}` → `DB_PASS` (made unique within the line). */
function variableFor(ref: SecretRef, taken: Readonly<Record<string, string>>): string {
  if (ref.provider === 'env') return ref.name;
  for (const [name, text] of Object.entries(taken)) if (text === ref.text) return name;
  const base =
    (ref.name.split('/').at(-1) ?? 'SECRET')
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^(?=[0-9])/, '_')
      .toUpperCase() || 'SECRET';
  let name = base;
  for (let n = 2; name in taken; n++) name = `${base}_${n}`;
  return name;
}

/** How the plan should say it, for a message or hint: `run: '…'` and `env: { NAME: '${env:NAME}' }`. */
export function commandLineHint(param: string, rewrite: CommandLineSecrets): string {
  const env = Object.entries(rewrite.env)
    .map(([k, v]) => `${k}: '${v}'`)
    .join(', ');
  const line = `'${rewrite.line.replaceAll("'", "''")}'`;
  return `write ${param}: ${line} with env: { ${env} } — the command gets the value as an environment variable, never as shell text`;
}
