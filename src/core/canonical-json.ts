/**
 * JSON with object keys sorted at every level and `undefined` members left out, so equal values always
 * give equal text (what the event hash chain is computed over).
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      text += (i > 0 ? ',' : '') + canonicalJson(v === undefined ? null : v);
    }
    return `${text}]`;
  }
  // Default sort order is UTF-16 code unit order, the same as comparing with `<`.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    text += `${text.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${text}}`;
}
