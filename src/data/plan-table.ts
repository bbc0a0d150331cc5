import { TminusError } from '../core/tminus-error.js';
import type { CompareOptions } from './compare-options.js';
import { DEFAULTS } from './compare-options.js';
import type {
  ColumnInfo,
  Engine,
  RenderKind,
  RenderSpec,
  TableInfo,
  TableQuery,
  TimestampRounding,
} from './dialect.js';

/** Something the schema comparison found, and what it means for the data comparison. */
export interface SchemaNote {
  readonly level: 'info' | 'warning' | 'error';
  readonly column?: string;
  readonly message: string;
}

/** How one table is compared: the queries for each side, the mode, and what the schemas told us. */
export interface TablePlan {
  readonly table: string;
  readonly source: TableQuery;
  readonly target: TableQuery;
  /** `segments`: ranges of a single integer key. `buckets`: key-hash buckets (text, UUID, compound keys). */
  readonly mode: 'segments' | 'buckets';
  readonly keyKind: 'int' | 'other';
  /** Both sides PostgreSQL with identical column types: checksums may use native row hashes. */
  readonly native: boolean;
  readonly notes: readonly SchemaNote[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function minDefined(...values: (number | undefined)[]): number | undefined {
  const d = values.filter((v): v is number => v !== undefined);
  return d.length ? Math.min(...d) : undefined;
}

/** The engines of a comparison; `targetFlavor` tells MariaDB (truncates) from MySQL (rounds). */
export interface PlanEngines {
  readonly source: Engine;
  readonly target: Engine;
  readonly targetFlavor?: 'mariadb' | 'mysql' | undefined;
}

/** The rule the target's engine applies when it stores a timestamp at a lower precision, and its words. */
function targetRounding(o: CompareOptions, engines: PlanEngines): [TimestampRounding, string] {
  if (o.timestampRounding === 'truncate') return ['truncate', 'truncated (--timestamp-rounding)'];
  if (o.timestampRounding === 'round') {
    return engines.target === 'postgres'
      ? ['round-postgres', 'rounded (--timestamp-rounding), ties as PostgreSQL breaks them']
      : ['round-half-up', 'rounded half up (--timestamp-rounding)'];
  }
  if (engines.target === 'postgres') return ['round-postgres', 'rounded as PostgreSQL does on the target'];
  if (engines.target === 'sqlite') return ['truncate', 'truncated as SQLite text is cut on the target'];
  return engines.targetFlavor === 'mysql'
    ? ['round-half-up', 'rounded half up as MySQL does on the target']
    : ['truncate', 'truncated as MariaDB does on the target'];
}

const JSON_NATIVE = new Set(['json', 'jsonb']);

/** The canonical kind a pair of columns is compared as, and a note when the pairing loses something. */
export function pairKinds(
  a: ColumnInfo,
  b: ColumnInfo,
  o: CompareOptions,
  engines: PlanEngines = { source: 'postgres', target: 'postgres' },
): { as: RenderKind; note?: string } {
  const kinds = new Set([a.kind, b.kind]);
  const has = (k: string) => kinds.has(k as ColumnInfo['kind']);
  const only = (...ks: string[]) => [...kinds].every((k) => ks.includes(k));
  const floatDecimals = o.floatDecimals ?? DEFAULTS.floatDecimals;
  if (only('int')) return { as: { kind: 'int' } };
  if (only('bool') || (only('bool', 'int') && has('bool'))) return { as: { kind: 'bool' } };
  if (only('decimal', 'int')) {
    const scale = a.kind === 'int' ? b.scale : b.kind === 'int' ? a.scale : minDefined(a.scale, b.scale);
    const note =
      a.scale !== b.scale && has('decimal') && !has('int')
        ? 'decimal scales differ: compared at the lower scale'
        : undefined;
    return note ? { as: { kind: 'decimal', scale }, note } : { as: { kind: 'decimal', scale } };
  }
  if (only('float', 'int')) return { as: { kind: 'float', decimals: floatDecimals } };
  if (only('float', 'decimal')) {
    const scale = minDefined(a.scale, b.scale, floatDecimals);
    return {
      as: { kind: 'decimal', scale },
      note: 'float compared with decimal: rounded to the decimal scale',
    };
  }
  if (only('text', 'json') && has('json')) {
    if (o.jsonAsText) {
      return { as: { kind: 'text' }, note: 'JSON compared as stored text: key order and spacing count' };
    }
    const jsonb =
      engines.source === 'postgres' &&
      engines.target === 'postgres' &&
      JSON_NATIVE.has(a.nativeType) &&
      JSON_NATIVE.has(b.nativeType);
    return {
      as: { kind: 'json', jsonb },
      note: jsonb
        ? 'JSON compared by value: checksums hash jsonb inside PostgreSQL'
        : 'JSON compared by value: no engine pair agrees on a canonical JSON text in SQL, so its checksums are computed in tminus from the downloaded rows (slower than in-database checksums)',
    };
  }
  if (only('text')) return { as: { kind: 'text' } };
  if (only('uuid') || only('uuid', 'text')) {
    return a.kind === b.kind
      ? { as: { kind: 'uuid' } }
      : { as: { kind: 'uuid' }, note: 'UUID text compared case-insensitively' };
  }
  if (only('binary')) return { as: { kind: 'binary' } };
  if (only('date')) return { as: { kind: 'date' } };
  if (only('timestamp', 'timestamptz')) {
    const digits = minDefined(a.fractionDigits, b.fractionDigits, o.timestampDigits) ?? 6;
    const mixed = has('timestamp') && has('timestamptz');
    const zone = mixed ? (o.loadTimeZone ?? DEFAULTS.loadTimeZone) : undefined;
    const notes: string[] = [];
    // The sides store different precisions: the copy cut the digits, by the rule of the target's engine. When
    // only --timestamp-digits asks for fewer digits, they are truncated unless --timestamp-rounding says round.
    const copied = (a.fractionDigits ?? 6) !== (b.fractionDigits ?? 6);
    let rounding: TimestampRounding | undefined;
    if (copied || o.timestampRounding !== undefined) {
      const [rule, words] = targetRounding(o, engines);
      rounding = rule;
      if (copied) notes.push(`compared to ${digits} fractional digits, ${words}`);
    }
    if (mixed) notes.push(`zone-less side taken as ${zone}`);
    const as: RenderKind = { kind: 'timestamp', digits, zone, rounding };
    return notes.length ? { as, note: notes.join('; ') } : { as };
  }
  if (only('time')) {
    const digits = minDefined(a.fractionDigits, b.fractionDigits, o.timestampDigits) ?? 6;
    return { as: { kind: 'time', digits } };
  }
  if (a.kind === b.kind) return { as: { kind: 'text' } };
  return { as: { kind: 'text' }, note: `types ${a.nativeType} and ${b.nativeType} compared as text` };
}

/**
 * Compares the schemas of one table on both sides and decides how its data is compared. Throws
 * `DATA_NO_KEY` when no key can be found, naming what to pass.
 */
export function planTable(
  source: TableInfo,
  target: TableInfo,
  o: CompareOptions,
  engines: PlanEngines,
): TablePlan {
  const notes: SchemaNote[] = [];
  const keyOverride = o.keys?.[source.name] ?? o.key;
  const key = keyOverride?.length ? [...keyOverride] : [...source.primaryKey];
  if (key.length === 0) {
    throw new TminusError('DATA_NO_KEY', `table ${source.name} has no primary key on the source`, {
      hint: `pass the columns that identify a row: --key col1,col2 (or key: in the plan)`,
    });
  }
  if (!keyOverride?.length && target.primaryKey.length && !sameList(source.primaryKey, target.primaryKey)) {
    notes.push({
      level: 'warning',
      message: `primary keys differ: source (${source.primaryKey.join(', ')}), target (${target.primaryKey.join(', ')}); rows are matched on the source key`,
    });
  }
  if (!target.primaryKey.length && !keyOverride?.length) {
    notes.push({
      level: 'warning',
      message: 'target has no primary key: duplicates there are reported as extra rows',
    });
  }

  const sourceSpecs: RenderSpec[] = [];
  const targetSpecs: RenderSpec[] = [];
  const include = o.columns?.length ? o.columns : undefined;
  const ordered = [...source.columns].sort((x, y) => rank(key, x.name) - rank(key, y.name));
  for (const col of ordered) {
    const isKey = key.some((k) => same(k, col.name));
    if (!isKey && include && !include.some((c) => same(c, col.name))) continue;
    if (!isKey && o.exclude?.some((c) => same(c, col.name))) continue;
    const other = target.columns.find((c) => same(c.name, col.name));
    if (!other) {
      if (isKey) {
        throw new TminusError(
          'DATA_NO_KEY',
          `key column ${col.name} of ${source.name} is missing on the target`,
        );
      }
      notes.push({
        level: 'warning',
        column: col.name,
        message: `column ${col.name} exists only on the source: not compared`,
      });
      continue;
    }
    const { as, note } = pairKinds(col, other, o, engines);
    if (note) notes.push({ level: 'info', column: col.name, message: `${col.name}: ${note}` });
    if (col.nullable !== other.nullable) {
      notes.push({ level: 'info', column: col.name, message: `${col.name}: nullable on one side only` });
    }
    sourceSpecs.push({ column: col.name, source: col, as });
    targetSpecs.push({ column: other.name, source: other, as });
  }
  for (const k of key) {
    if (!source.columns.some((c) => same(c.name, k))) {
      throw new TminusError('DATA_NO_KEY', `key column ${k} is not a column of ${source.name}`, {
        hint: `columns: ${source.columns.map((c) => c.name).join(', ')}`,
      });
    }
  }
  for (const c of target.columns) {
    if (!source.columns.some((s) => same(s.name, c.name))) {
      notes.push({
        level: 'warning',
        column: c.name,
        message: `column ${c.name} exists only on the target: not compared`,
      });
    }
  }
  const sourceKey = key.map((k) => source.columns.find((c) => same(c.name, k))?.name ?? k);
  const targetKey = key.map((k) => target.columns.find((c) => same(c.name, k))?.name ?? k);
  const keySpecs = sourceSpecs.filter((s) => sourceKey.includes(s.column));
  const intKey = keySpecs.length === 1 && keySpecs[0]?.as.kind === 'int';
  const native =
    engines.source === 'postgres' &&
    engines.target === 'postgres' &&
    o.nativeHash !== false &&
    o.floatDecimals === undefined &&
    o.timestampDigits === undefined &&
    o.jsonAsText !== true &&
    sourceSpecs.every((s, i) => s.source.nativeType === targetSpecs[i]?.source.nativeType);
  if (!intKey) {
    notes.push({
      level: 'info',
      message: `key (${sourceKey.join(', ')}) is not a single integer: rows are compared in key-hash buckets, independent of collations`,
    });
  }
  return {
    table: source.name,
    source: { table: source.name, specs: sourceSpecs, key: sourceKey, where: o.where },
    target: { table: target.name, specs: targetSpecs, key: targetKey, where: o.where },
    mode: intKey ? 'segments' : 'buckets',
    keyKind: intKey ? 'int' : 'other',
    native,
    notes,
  };
}

function rank(key: readonly string[], name: string): number {
  const i = key.findIndex((k) => same(k, name));
  return i === -1 ? key.length : i;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i] ?? ''));
}
