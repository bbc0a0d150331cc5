import { CANONICAL } from '../canonical-format.js';
import type { RenderSpec, TimestampRounding } from '../dialect.js';
import type { SqlFlavour } from '../query-shapes.js';

/** Quotes a MySQL/MariaDB identifier, `schema.table` aware. */
export function myIdent(name: string): string {
  return name
    .split('.')
    .map((part) => `\`${part.replace(/`/g, '``')}\``)
    .join('.');
}

const UTF8 = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

/**
 * A DATETIME/TIMESTAMP cut to `digits` by a rounding rule, in whole microseconds: half up (MySQL), or ties
 * away from 2000-01-01 as PostgreSQL rounds. MariaDB's own casts truncate, so rounding is spelled out.
 */
function roundedSql(x: string, digits: number, rounding: TimestampRounding | undefined): string {
  if (rounding === undefined || rounding === 'truncate' || digits >= 6) return x;
  const unit = 10 ** (6 - Math.max(0, digits));
  const rest = `(MICROSECOND(${x}) MOD ${unit})`;
  const up =
    rounding === 'round-half-up'
      ? `${rest} * 2 >= ${unit}`
      : `${rest} * 2 > ${unit} OR (${rest} * 2 = ${unit} AND ${x} >= '2000-01-01')`;
  return `(${x} - INTERVAL ${rest} MICROSECOND + INTERVAL IF(${up}, ${unit}, 0) MICROSECOND)`;
}

function timestampSql(x: string, digits: number): string {
  if (digits <= 0) return `DATE_FORMAT(${x}, '%Y-%m-%d %H:%i:%s')`;
  return `LEFT(DATE_FORMAT(${x}, '%Y-%m-%d %H:%i:%s.%f'), ${20 + Math.min(digits, 6)})`;
}

/** Shortest round-trip text of a double (MariaDB/MySQL print doubles that way, as PostgreSQL does). */
const doubleText = (x: string, single: boolean) => `CAST(${single ? `CAST(${x} AS DOUBLE)` : x} AS CHAR)`;

/** The canonical text of one column (NULL stays NULL), as a MySQL/MariaDB expression. */
export function mysqlValueSql(spec: RenderSpec): string {
  const x = myIdent(spec.column);
  const info = spec.source;
  const as = spec.as;
  switch (as.kind) {
    case 'int':
      return `CAST(${x} AS CHAR)`;
    case 'decimal': {
      const scale = as.scale ?? info.scale ?? 0;
      const n = info.kind === 'float' ? doubleText(x, info.singlePrecision === true) : x;
      return `CAST(CAST(${n} AS DECIMAL(65,${scale})) AS CHAR)`;
    }
    case 'float': {
      const t = doubleText(x, info.singlePrecision === true);
      return (
        `CASE WHEN ABS(${x}) < ${CANONICAL.floatFixedLimit} THEN CAST(CAST(${t} AS DECIMAL(65,${as.decimals})) AS CHAR) ` +
        `ELSE REPLACE(${t}, 'e+', 'e') END`
      );
    }
    case 'bool':
      return `CASE WHEN ${x} <> 0 THEN '1' WHEN ${x} = 0 THEN '0' END`;
    case 'text':
      if (info.kind !== 'text' && info.kind !== 'json') return `CAST(${x} AS CHAR)`;
      return info.charset !== undefined && !UTF8.has(info.charset) ? `CONVERT(${x} USING utf8mb4)` : x;
    case 'uuid':
      return info.kind === 'uuid' ? `CAST(${x} AS CHAR)` : `LOWER(${x})`;
    case 'binary':
      return `LOWER(HEX(${x}))`;
    case 'timestamp':
      return timestampSql(roundedSql(x, as.digits, as.rounding), as.digits);
    case 'json':
      // The stored text; tminus writes its canonical form (see canonical-json.ts).
      return info.charset !== undefined && !UTF8.has(info.charset)
        ? `CONVERT(${x} USING utf8mb4)`
        : `CAST(${x} AS CHAR)`;
    case 'date':
      return `DATE_FORMAT(${x}, '%Y-%m-%d')`;
    case 'time':
      return as.digits <= 0
        ? `TIME_FORMAT(${x}, '%H:%i:%s')`
        : `LEFT(TIME_FORMAT(${x}, '%H:%i:%s.%f'), ${9 + Math.min(as.digits, 6)})`;
  }
}

/** The canonical row string of the given columns. */
export function mysqlRowSql(specs: readonly RenderSpec[]): string {
  if (specs.length === 0) return `''`;
  const parts = specs.map((s) => {
    const v = mysqlValueSql(s);
    return `COALESCE(CONCAT(CHAR_LENGTH(${v}), ':', ${v}), '-')`;
  });
  return parts.length === 1 ? (parts[0] ?? `''`) : `CONCAT(${parts.join(', ')})`;
}

/** The 48-bit unsigned row hash. The CAST keeps SUM exact (DECIMAL), not DOUBLE. */
export function mysqlRowHashSql(specs: readonly RenderSpec[]): string {
  return `CAST(CONV(RIGHT(MD5(${mysqlRowSql(specs)}), ${CANONICAL.rowHashHexDigits}), 16, 10) AS UNSIGNED)`;
}

/** The 32-bit unsigned key hash used for buckets. */
export function mysqlKeyHashSql(keySpecs: readonly RenderSpec[]): string {
  return `CAST(CONV(LEFT(MD5(${mysqlRowSql(keySpecs)}), 8), 16, 10) AS UNSIGNED)`;
}

/** MySQL's and MariaDB's spelling of the shared query shapes. */
export const MYSQL_FLAVOUR: SqlFlavour = {
  ident: myIdent,
  placeholder: () => '?',
  bindKey: (v) => v.toString(),
  intParam: (p) => p,
  intDiv: (a, b) => `(${a}) DIV ${b}`,
  text: (x) => `CAST(${x} AS CHAR)`,
  // No sort of the groups.
  groupSuffix: ' ORDER BY NULL',
};
