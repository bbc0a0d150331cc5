import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { coerceError } from '../../core/tminus-error.js';
import { compareOptionsSchema, toCompareOptions } from '../../data/compare-params.js';
import { parseConnectionUrl, redactUrls } from '../../data/connection-url.js';
import { dataDiff } from '../../data/data-diff.js';
import type { Dialect } from '../../data/dialect.js';
import type { DiffReport } from '../../data/diff-result.js';
import { openDialect } from '../../data/open-dialect.js';
import { SystemClock } from '../../engine/system-clock.js';
import {
  reconciliationHtml,
  reconciliationMarkdown,
  tableVerdict,
} from '../../data/reconciliation-report.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { planConnectionUrl } from '../plan-connection-url.js';
import { ProgressBar } from '../progress-bar.js';
import { createStyle } from '../style.js';

/** Flags of `tminus data diff`, as commander hands them over (strings until validated). */
export interface DataDiffFlags {
  plan?: string;
  source?: string;
  target?: string;
  table?: string[];
  all?: boolean;
  key?: string;
  columns?: string;
  exclude?: string;
  where?: string;
  floatDecimals?: string;
  timestampDigits?: string;
  loadTimeZone?: string;
  connections?: string;
  segmentSeconds?: string;
  downloadThreshold?: string;
  maxDiffs?: string;
  recheckAfter?: string;
  nativeHash?: boolean;
  jsonAsText?: boolean;
  timestampRounding?: string;
  checksums?: boolean;
  json?: boolean;
  report?: string;
}

const NUMERIC_FLAGS = [
  ['floatDecimals', '--float-decimals'],
  ['timestampDigits', '--timestamp-digits'],
  ['connections', '--connections'],
  ['segmentSeconds', '--segment-seconds'],
  ['downloadThreshold', '--download-threshold'],
  ['maxDiffs', '--max-diffs'],
] as const;

const FLAG_OF: Readonly<Record<string, string>> = {
  ...Object.fromEntries(NUMERIC_FLAGS.map(([k, f]) => [k, f])),
  key: '--key',
  columns: '--columns',
  exclude: '--exclude',
  where: '--where',
  loadTimeZone: '--load-time-zone',
  recheckAfter: '--recheck-after',
  timestampRounding: '--timestamp-rounding',
};

/** Every password in the connection URLs, so no output can carry one even if a driver echoes it. */
function secretsOf(urls: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const u of urls) {
    try {
      const p = u ? new URL(u).password : '';
      if (p) out.push(p, decodeURIComponent(p));
    } catch {
      // not a URL (a SQLite path): nothing secret in it
    }
  }
  return out.filter((s) => s.length > 0);
}

/**
 * `tminus data diff --source URL --target URL (--table T... | --all)`: counts, checksums and differing rows.
 * Exit 0 identical, 1 differences, 2 usage or connection error.
 */
export async function dataDiffCommand(flags: DataDiffFlags, io: CliIo): Promise<number> {
  const planSecrets: string[] = [];
  const planFile = flags.plan;
  if (planFile) {
    // --source/--target name connections of the plan; their ${env:…}/${file:…} references are resolved here.
    try {
      for (const side of ['source', 'target'] as const) {
        const name = flags[side];
        if (!name) continue;
        const { url, secrets } = await planConnectionUrl(planFile, name, io);
        flags = { ...flags, [side]: url };
        planSecrets.push(...secrets);
      }
    } catch (thrown) {
      const error = coerceError(thrown);
      const s = createStyle(io.stderr);
      io.stderr.write(`${s.error('error:')} ${redactUrls(error.message)}\n`);
      if (error.hint) io.stderr.write(`  ${s.dim('hint:')} ${error.hint}\n`);
      return EXIT.usage;
    }
  }
  const secrets = [...planSecrets, ...secretsOf([flags.source, flags.target])];
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), redactUrls(text));
  const err = createStyle(io.stderr);
  const issues: string[] = [];
  if (!flags.source) issues.push('--source: required (postgres://…, mysql://…, sqlite:PATH)');
  if (!flags.target) issues.push('--target: required (postgres://…, mysql://…, sqlite:PATH)');
  for (const [name, url] of [
    ['--source', flags.source],
    ['--target', flags.target],
  ] as const) {
    if (!url) continue;
    try {
      parseConnectionUrl(url, name);
    } catch (error) {
      issues.push(coerceError(error).message);
    }
  }
  const tables = (flags.table ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (!tables.length && !flags.all) {
    issues.push(
      '--table or --all: name the tables to compare (--table orders --table customers), or pass --all',
    );
  }
  if (tables.length && flags.all) issues.push('--table and --all: pass one or the other');
  if (flags.report && !['.md', '.html', '.htm'].includes(extname(flags.report).toLowerCase())) {
    issues.push(`--report: ${flags.report} must end in .md or .html`);
  }
  const raw: Record<string, unknown> = {};
  for (const [k, flag] of NUMERIC_FLAGS) {
    const v = flags[k];
    if (v === undefined) continue;
    if (!/^\d+(\.\d+)?$/.test(v.trim())) issues.push(`${flag}: expected a number, got '${v}'`);
    else raw[k] = Number(v);
  }
  for (const k of [
    'key',
    'columns',
    'exclude',
    'where',
    'loadTimeZone',
    'recheckAfter',
    'timestampRounding',
  ] as const) {
    if (flags[k] !== undefined) raw[k] = flags[k];
  }
  if (flags.nativeHash === false) raw.nativeHash = false;
  if (flags.checksums === false) raw.checksums = false;
  if (flags.jsonAsText) raw.jsonAsText = true;
  const parsed = compareOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      issues.push(`${FLAG_OF[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`);
    }
  }
  if (issues.length || !parsed.success) {
    for (const i of issues) io.stderr.write(`${err.error('error:')} ${redact(i)}\n`);
    return EXIT.usage;
  }

  const options = toCompareOptions(parsed.data);
  const connections = (options.connections ?? 1) + 1; // one more session per side for boundary look-ups
  let source: Dialect | undefined;
  let target: Dialect | undefined;
  const bar = flags.json ? undefined : new ProgressBar(io.stderr, io.now);
  try {
    [source, target] = await Promise.all([
      openDialect(flags.source!, { connections, what: '--source' }),
      openDialect(flags.target!, { connections, what: '--target' }),
    ]);
    const report = await dataDiff({
      source,
      target,
      tables,
      all: flags.all,
      options,
      clock: { now: io.now, sleep: new SystemClock().sleep },
      onTable: (t) => bar?.startTable(t),
      onProgress: (p) => bar?.update(p),
    });
    bar?.clear();
    if (flags.report) {
      const file = resolve(io.cwd, flags.report);
      const ext = extname(file).toLowerCase();
      await writeFile(
        file,
        redact(ext === '.md' ? reconciliationMarkdown(report) : reconciliationHtml(report)),
      );
    }
    io.stdout.write(redact(flags.json ? JSON.stringify(jsonOf(report), null, 2) + '\n' : human(report, io)));
    // With --all, a table present on one side only is a difference, not a usage error.
    const unusable = report.tables.filter(
      (t) => t.status === 'error' && !(flags.all && t.error?.code === 'DATA_TABLE_NOT_FOUND'),
    );
    if (unusable.length) return EXIT.usage;
    return report.tables.every((t) => t.status === 'identical') ? EXIT.ok : EXIT.notOk;
  } catch (thrown) {
    bar?.clear();
    const error = coerceError(thrown);
    io.stderr.write(`${err.error('error:')} ${redact(error.message)}\n`);
    if (error.hint) io.stderr.write(`  ${err.dim('hint:')} ${redact(error.hint)}\n`);
    return EXIT.usage;
  } finally {
    await Promise.all([source?.close(), target?.close()]);
  }
}

/** The documented `--json` shape. */
function jsonOf(report: DiffReport) {
  return {
    source: report.source,
    target: report.target,
    durationMs: report.durationMs,
    tables: report.tables.map((t) => ({
      table: t.table,
      sourceRows: t.sourceRows,
      targetRows: t.targetRows,
      status: t.status,
      missingInTarget: t.missingInTarget,
      missingInSource: t.missingInSource,
      changed: t.changed.map((c) => ({ key: c.key, columns: c.columns })),
      counts: t.counts,
      truncated: t.truncated,
      mode: t.mode,
      notes: t.notes,
      ...(t.error ? { error: t.error } : {}),
    })),
  };
}

function human(report: DiffReport, io: CliIo): string {
  const s = createStyle(io.stdout);
  const lines: string[] = [`${report.source.label} → ${report.target.label}`];
  const n = (v: number | null) => (v === null ? '?' : v.toLocaleString('en-US'));
  for (const t of report.tables) {
    const mark = t.status === 'identical' ? s.ok('✓') : s.error('✗');
    lines.push(
      `${mark} ${s.bold(t.table)}  ${n(t.sourceRows)} → ${n(t.targetRows)} rows  ${tableVerdict(t)}  ${s.dim(`(${t.mode}, ${(t.stats.durationMs / 1000).toFixed(1)} s)`)}`,
    );
    if (t.error?.hint) lines.push(`    ${s.dim('hint:')} ${t.error.hint}`);
    for (const note of t.notes.filter((x) => x.level !== 'info')) {
      lines.push(`    ${s.warning(note.level + ':')} ${note.message}`);
    }
    const show = (label: string, keys: readonly unknown[], total: number) => {
      if (!keys.length) return;
      const head = keys.slice(0, 10).map((k) => (typeof k === 'object' ? JSON.stringify(k) : String(k)));
      lines.push(
        `    ${label}: ${head.join(', ')}${total > head.length ? ` … (${total.toLocaleString('en-US')} in all)` : ''}`,
      );
    };
    show('missing in target', t.missingInTarget, t.counts.missingInTarget);
    show('missing in source', t.missingInSource, t.counts.missingInSource);
    for (const c of t.changed.slice(0, 10)) {
      const key = typeof c.key === 'object' ? JSON.stringify(c.key) : String(c.key);
      lines.push(
        `    changed ${key}: ${c.columns.map((col) => `${col} ${JSON.stringify(c.source[col])} → ${JSON.stringify(c.target[col])}`).join('; ')}`,
      );
    }
    if (t.counts.changed > 10) {
      lines.push(`    … ${t.counts.changed.toLocaleString('en-US')} changed rows in all`);
    }
  }
  return lines.join('\n') + '\n';
}
