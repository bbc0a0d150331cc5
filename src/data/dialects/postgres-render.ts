import { CANONICAL } from '../canonical-format.js';
import type { RenderSpec } from '../dialect.js';

/** Quotes a PostgreSQL identifier, `schema.table` aware. */
export function pgIdent(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

function timestampSql(x: string, digits: number): string {
  if (digits <= 0) return `to_char(${x}, 'YYYY-MM-DD HH24:MI:SS')`;
  return `left(to_char(${x}, 'YYYY-MM-DD HH24:MI:SS.US'), ${20 + Math.min(digits, 6)})`;
}

/** The canonical text of one column (NULL stays NULL), as a PostgreSQL expression. */
export function postgresValueSql(spec: RenderSpec): string {
  const x = pgIdent(spec.column);
  const from = spec.source.kind;
  const as = spec.as;
  switch (as.kind) {
    case 'int':
      return from === 'bool' ? `(${x})::int::text` : `(${x})::text`;
    case 'decimal': {
      const n = from === 'float' ? `(${x})::float8::text::numeric` : `(${x})::numeric`;
      return as.scale === undefined ? `trim_scale(${n})::text` : `round(${n}, ${as.scale})::text`;
    }
    case 'float': {
      const f = `(${x})::float8`;
      return (
        `CASE WHEN ${f} = 'NaN'::float8 THEN 'NaN' WHEN ${f} = 'Infinity'::float8 THEN 'Infinity' ` +
        `WHEN ${f} = '-Infinity'::float8 THEN '-Infinity' WHEN abs(${f}) < ${CANONICAL.floatFixedLimit} ` +
        `THEN round(${f}::text::numeric, ${as.decimals})::text ELSE replace(${f}::text, 'e+', 'e') END`
      );
    }
    case 'bool':
      return from === 'bool'
        ? `CASE WHEN ${x} THEN '1' WHEN NOT ${x} THEN '0' END`
        : `CASE WHEN ${x} <> 0 THEN '1' WHEN ${x} = 0 THEN '0' END`;
    case 'text':
      // Always through ::text: char(n) loses its padding there, as it does in every concatenation.
      return `(${x})::text`;
    case 'uuid':
      return from === 'uuid' ? `(${x})::text` : `lower(${x})`;
    case 'binary':
      return `encode(${x}, 'hex')`;
    case 'timestamp': {
      const v =
        from === 'timestamptz' && as.zone !== undefined ? `(${x} AT TIME ZONE ${literal(as.zone)})` : x;
      return timestampSql(v, as.digits);
    }
    case 'date':
      return `to_char(${x}, 'YYYY-MM-DD')`;
    case 'time':
      return as.digits <= 0
        ? `to_char((${x})::interval, 'HH24:MI:SS')`
        : `left(to_char((${x})::interval, 'HH24:MI:SS.US'), ${9 + Math.min(as.digits, 6)})`;
  }
}

/** The canonical row string of the given columns. */
export function postgresRowSql(specs: readonly RenderSpec[]): string {
  if (specs.length === 0) return `''`;
  return specs
    .map((s) => {
      const v = postgresValueSql(s);
      return `coalesce(length(${v})::text || ':' || ${v}, '-')`;
    })
    .join(' || ');
}

/** The 48-bit unsigned row hash (bigint). */
export function postgresRowHashSql(specs: readonly RenderSpec[]): string {
  return `('x' || right(md5(${postgresRowSql(specs)}), ${CANONICAL.rowHashHexDigits}))::bit(48)::bigint`;
}

/** The 32-bit unsigned key hash (bigint) used for buckets. */
export function postgresKeyHashSql(keySpecs: readonly RenderSpec[]): string {
  return `('x' || left(md5(${postgresRowSql(keySpecs)}), 8))::bit(32)::bigint & 4294967295`;
}
