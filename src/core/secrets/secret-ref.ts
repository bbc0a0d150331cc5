/** Where a secret reference may point: an environment variable or a file read at run time. */
export const SECRET_PROVIDERS = ['env', 'file'] as const;

/** `${env:NAME}` or `${file:PATH}`; kept unresolved in the plan, resolved only when an action runs. */
export interface SecretRef {
  readonly provider: (typeof SECRET_PROVIDERS)[number];
  readonly name: string;
  /** The reference as written, e.g. `${env:DB_URL}`. */
  readonly text: string;
}

const REF_RE = /\$\{([^}]*)\}/g;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretRefProblem {
  readonly text: string;
  readonly message: string;
}

/**
 * Finds the secret references in a string, and the malformed ones.
 *
 * @example findSecretRefs('postgres://${env:DB_USER}@db/x').refs[0]?.name // 'DB_USER'
 */
export function findSecretRefs(value: string): { refs: SecretRef[]; problems: SecretRefProblem[] } {
  const refs: SecretRef[] = [];
  const problems: SecretRefProblem[] = [];
  for (const match of value.matchAll(REF_RE)) {
    const text = match[0];
    const body = match[1] ?? '';
    const colon = body.indexOf(':');
    const provider = colon === -1 ? body : body.slice(0, colon);
    const name = colon === -1 ? '' : body.slice(colon + 1);
    if (provider !== 'env' && provider !== 'file') {
      problems.push({
        text,
        message: `unknown secret reference '${text}': use \${env:NAME} or \${file:PATH}`,
      });
    } else if (name === '') {
      problems.push({ text, message: `secret reference '${text}' names nothing` });
    } else if (provider === 'env' && !ENV_NAME_RE.test(name)) {
      problems.push({ text, message: `'${name}' is not an environment variable name in '${text}'` });
    } else {
      refs.push({ provider, name, text });
    }
  }
  const unclosed = value.replace(REF_RE, '').indexOf('${');
  if (unclosed !== -1) {
    problems.push({
      text: value.slice(unclosed, unclosed + 20),
      message: "a '${' reference is never closed with '}'",
    });
  }
  return { refs, problems };
}

/**
 * Whether the secret part of a value is all references: nothing but `${...}` apart from an authentication
 * scheme word (`authorization: 'Bearer ${env:TOKEN}'`).
 */
export const isOnlyRefs = (value: string): boolean =>
  value.includes('${') && AUTH_SCHEME_ONLY.test(value.replace(REF_RE, ''));

/** What may stand next to references in a secret value: nothing, or an authentication scheme word. */
const AUTH_SCHEME_ONLY = /^\s*(?:(?:Bearer|Basic|Token|Bot|Digest|ApiKey)\s+)?$/i;
