import { CANONICAL } from '../canonical-format.js';
import { canonicalJson } from '../canonical-json.js';
import { plainDecimal, roundDecimal, trimScale } from '../decimal-text.js';
import type { RenderSpec, TimestampRounding } from '../dialect.js';
import type { SqlFlavour } from '../query-shapes.js';

/** A value as better-sqlite3 returns it with `safeIntegers(true)`. */
export type SqliteValue = bigint | number | string | Buffer | null;

const FLOAT_LIMIT = Number(CANONICAL.floatFixedLimit);

function numberText(v: bigint | number | string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(0) : String(v);
  return v.trim();
}

function floatText(v: bigint | number | string, decimals: number): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Math.abs(n) < FLOAT_LIMIT) {
    return roundDecimal(typeof v === 'number' ? String(v) : numberText(v), decimals);
  }
  return String(n).replace('e+', 'e');
}

const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * Rounds `date time.frac6` (UTC) to `digits` fractional digits by the given rule, carrying into the seconds,
 * day and year; returns the new date, time and six-digit fraction.
 */
function roundTimestamp(
  date: string,
  time: string,
  frac6: string,
  digits: number,
  rounding: TimestampRounding,
): [string, string, string] {
  const unit = 10 ** (6 - digits);
  const micros = Number(frac6);
  const rest = micros % unit;
  if (rest === 0) return [date, time, frac6];
  const ms = Date.parse(`${date}T${time}Z`);
  const up =
    rest * 2 > unit || (rest * 2 === unit && (rounding === 'round-half-up' || ms >= POSTGRES_EPOCH_MS));
  if (!up) return [date, time, String(micros - rest).padStart(6, '0')];
  const next = micros - rest + unit;
  if (next < 1_000_000) return [date, time, String(next).padStart(6, '0')];
  const iso = new Date(ms + 1000).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 19), String(next - 1_000_000).padStart(6, '0')];
}

function timestampText(v: SqliteValue, digits: number, rounding: TimestampRounding | undefined): string {
  let text: string;
  if (typeof v === 'bigint' || typeof v === 'number') {
    // Integers and reals are Unix seconds (SQLite's `unixepoch` convention).
    text = new Date(Number(v) * 1000).toISOString();
  } else text = String(v);
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text.trim(),
  );
  if (!m) return text;
  let date = m[1] ?? '';
  let time = m[2] ?? '';
  let frac = m[3] ?? '';
  if (time.length === 5) time += ':00';
  const zone = m[4];
  if (zone !== undefined && !/^(Z|[+-]00:?00)$/i.test(zone)) {
    const utc = new Date(
      `${date}T${time}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
    );
    const iso = utc.toISOString();
    date = iso.slice(0, 10);
    time = iso.slice(11, 19);
  }
  frac = frac.padEnd(6, '0').slice(0, 6);
  if (rounding !== undefined && rounding !== 'truncate' && digits < 6) {
    [date, time, frac] = roundTimestamp(date, time, frac, Math.max(0, digits), rounding);
  }
  frac = frac.slice(0, Math.min(digits, 6));
  return digits <= 0 ? `${date} ${time}` : `${date} ${time}.${frac}`;
}

function boolText(v: bigint | number | string | Buffer): string {
  if (typeof v === 'string') return /^(1|t|true|y|yes|on)$/i.test(v.trim()) ? '1' : '0';
  if (typeof v === 'bigint') return v === 0n ? '0' : '1';
  return Number(v) === 0 ? '0' : '1';
}

/** The canonical text of one SQLite value, computed in Node with the same rules as the SQL renderers. */
export function sqliteValueText(spec: RenderSpec, v: SqliteValue): string | null {
  if (v === null) return null;
  const as = spec.as;
  if (Buffer.isBuffer(v)) {
    if (as.kind === 'binary') return v.toString('hex');
    v = v.toString('utf8');
  }
  switch (as.kind) {
    case 'int':
      return numberText(v);
    case 'decimal': {
      const t = typeof v === 'number' ? String(v) : numberText(v);
      return as.scale === undefined ? trimScale(t) : roundDecimal(plainDecimal(t), as.scale);
    }
    case 'float':
      return floatText(v, as.decimals);
    case 'bool':
      return boolText(v);
    case 'text':
      return typeof v === 'string' ? v : numberText(v);
    case 'uuid':
      return String(v).toLowerCase();
    case 'binary':
      return Buffer.from(String(v), 'utf8').toString('hex');
    case 'timestamp':
      return timestampText(v, as.digits, as.rounding);
    case 'json':
      return canonicalJson(typeof v === 'string' ? v : numberText(v));
    case 'date':
      return String(v).slice(0, 10);
    case 'time': {
      const [hms = '', frac = ''] = String(v).split('.');
      return as.digits <= 0 ? hms : `${hms}.${frac.padEnd(6, '0').slice(0, Math.min(as.digits, 6))}`;
    }
  }
}

/** Quotes a SQLite identifier. */
export const sqliteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * SQLite's spelling of the shared query shapes (only the range condition is used: rows are rendered and
 * hashed in tminus).
 */
export const SQLITE_FLAVOUR: SqlFlavour = {
  ident: sqliteIdent,
  placeholder: () => '?',
  bindKey: (v) => v,
  intParam: (p) => p,
  intDiv: (a, b) => `(${a}) / ${b}`,
  text: (x) => `CAST(${x} AS TEXT)`,
};
