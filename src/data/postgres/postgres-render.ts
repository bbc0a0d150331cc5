import { CANONICAL } from '../canonical-format.js';
import type { RenderSpec, TimestampRounding } from '../dialect.js';
import type { SqlFlavour } from '../query-shapes.js';

/** Quotes a PostgreSQL identifier, `schema.table` aware. */
export function pgIdent(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A timestamp (or timestamptz, `tz`) cut to `digits` by a rounding rule. PostgreSQL's own rule is its cast;
 * half up is done in whole microseconds (interval × integer is exact).
 */
function roundedSql(x: string, digits: number, rounding: TimestampRounding | undefined, tz: boolean): string {
  if (rounding === undefined || rounding === 'truncate' || digits >= 6) return x;
  const d = Math.max(0, digits);
  if (rounding === 'round-postgres') return `(${x})::${tz ? 'timestamptz' : 'timestamp'}(${d})`;
  const unit = 10 ** (6 - d);
  const rest = `(extract(microseconds from ${x})::bigint % ${unit})`;
  return `(${x} + (CASE WHEN ${rest} * 2 >= ${unit} THEN ${unit} - ${rest} ELSE -${rest} END) * interval '1 microsecond')`;
}

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
      const zoned = from === 'timestamptz' && as.zone !== undefined;
      const v = zoned ? `(${x} AT TIME ZONE ${literal(as.zone!)})` : x;
      return timestampSql(roundedSql(v, as.digits, as.rounding, from === 'timestamptz' && !zoned), as.digits);
    }
    case 'json':
      // The stored text; tminus writes its canonical form (see canonical-json.ts).
      return `(${x})::text`;
    case 'date':
      return `to_char(${x}, 'YYYY-MM-DD')`;
    case 'time':
      return as.digits <= 0
        ? `to_char((${x})::interval, 'HH24:MI:SS')`
        : `left(to_char((${x})::interval, 'HH24:MI:SS.US'), ${9 + Math.min(as.digits, 6)})`;
  }
}

/**
 * The value hashed for a column inside PostgreSQL: its canonical text, except JSON between two PostgreSQL
 * databases, which is hashed as `jsonb` (equal by value: key order, spacing and `1.0` vs `1` do not count).
 */
export function postgresHashedValueSql(spec: RenderSpec): string {
  if (spec.as.kind === 'json' && spec.as.jsonb) {
    return `jsonb_hash_extended((${pgIdent(spec.column)})::jsonb, 0)::text`;
  }
  return postgresValueSql(spec);
}

/** The canonical row string of the given columns, as hashed. */
export function postgresRowSql(specs: readonly RenderSpec[]): string {
  if (specs.length === 0) return `''`;
  return specs
    .map((s) => {
      const v = postgresHashedValueSql(s);
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

/** PostgreSQL's spelling of the shared query shapes. */
export const POSTGRES_FLAVOUR: SqlFlavour = {
  ident: pgIdent,
  placeholder: (n) => `$${n}`,
  bindKey: (v) => v.toString(),
  intParam: (p) => `${p}::bigint`,
  intDiv: (a, b) => `(${a}) / ${b}`,
  text: (x) => `(${x})::text`,
  // A TID range scan: only the heap pages `[from, to)`.
  pages: (pages, b) => [
    `ctid >= ${b.bind(`(${pages.from},0)`)}::tid`,
    ...(pages.to === null ? [] : [`ctid < ${b.bind(`(${pages.to},0)`)}::tid`]),
  ],
};
