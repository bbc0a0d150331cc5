/** One step into a JSON value: an object key or an array index. */
export type JsonPathStep = string | number;

const STEP_RE = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

/**
 * Parses the documented JSONPath subset: `$` followed by `.key`, `[0]`, `['any key']` or `["any key"]`
 * steps (e.g. `$.checks[0].status`). A leading `$` may be left out (`status.db`). No wildcards, filters or
 * recursive descent: a check compares one value, and one value is what this subset selects.
 * Returns the steps, or an error message naming the position that could not be read.
 */
export function parseJsonPath(path: string): { steps: JsonPathStep[] } | { error: string } {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  else if (rest !== '' && !rest.startsWith('[')) rest = `.${rest}`;
  const steps: JsonPathStep[] = [];
  while (rest !== '') {
    const m = STEP_RE.exec(rest);
    if (!m) {
      const at = path.length - rest.length;
      return {
        error: `cannot read JSON path '${path}' at position ${at} ('${rest.slice(0, 12)}'): use $.key, [0] or ['key']`,
      };
    }
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push((m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return { steps };
}

/**
 * Selects the value at a JSON path (see {@link parseJsonPath}).
 *
 * @example selectJsonPath({ db: { ok: true } }, '$.db.ok') // { found: true, value: true }
 */
export function selectJsonPath(
  document: unknown,
  path: string,
): { found: true; value: unknown } | { found: false; reason: string } {
  const parsed = parseJsonPath(path);
  if ('error' in parsed) return { found: false, reason: parsed.error };
  let current: unknown = document;
  let walked = '$';
  for (const step of parsed.steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) {
        return { found: false, reason: `${walked} has no element [${step}]` };
      }
      current = current[step] as unknown;
      walked += `[${step}]`;
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !(step in current)) {
        return { found: false, reason: `${walked} has no key '${step}'` };
      }
      current = (current as Record<string, unknown>)[step];
      walked += `.${step}`;
    }
  }
  return { found: true, value: current };
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEquals(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  return (
    ka.length === kb.length &&
    ka.every((k) => jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
