import { writeFile } from 'node:fs/promises';
import { redactUrl } from '../../core/secrets/redact-url.js';
import type { RunReport } from '../../core/report/run-report.js';
import { buildRunReport } from '../../core/report/run-report.js';
import { findSecretRefs } from '../../core/secrets/secret-ref.js';
import { TminusError } from '../../core/tminus-error.js';
import type { RunStore } from '../../store/store.js';
import { Redactor } from '../redactor.js';
import { readPlanHistory } from '../run-history.js';
import type { RunSession } from '../run-session.js';
import { resolveSecretText } from '../secret-resolver.js';
import { printPdf } from './print-pdf.js';
import { reportDocument } from './report-document.js';
import { reportHtml } from './report-html.js';
import { reportMarkdown } from './report-markdown.js';

export const REPORT_FORMATS = ['md', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  /** Stores to find earlier runs (rehearsals) of the plan in; default: the session's own store. */
  readonly history?: readonly RunStore[];
  /** Chromium for `pdf` (default /usr/bin/chromium). */
  readonly chromiumPath?: string;
}

export interface WriteReportOptions extends ReportOptions {
  readonly format: ReportFormat;
  /** Write the report to this file; without it the content is only returned. */
  readonly out?: string;
  /** Replace `out` if it exists (it may hold lessons someone already wrote in). */
  readonly overwrite?: boolean;
}

export interface WrittenReport {
  readonly report: RunReport;
  readonly format: ReportFormat;
  /** Text for md and html, bytes for pdf. */
  readonly content: string | Uint8Array;
  readonly path: string | undefined;
}

/**
 * Masks anything secret that could reach the report: values of the plan's `${env:…}`/`${file:…}` references
 * as this process resolves them, and passwords inside URLs. The journal is already masked when written; this
 * is the second lock.
 */
function reportRedactor(session: RunSession): (text: string) => string {
  const redactor = new Redactor();
  for (const ref of findSecretRefs(session.state.planText).refs) {
    try {
      for (const s of resolveSecretText(ref.text, session.secrets()).secrets) redactor.add(s);
    } catch {
      // Not resolvable here: then this process cannot know the value, and the report cannot hold it
      // unless the journal did, which masks secrets as it records them.
    }
  }
  return (text) => redactUrl(redactor.redact(text));
}

function mapStrings<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * The review of the session's run, read through the session (journal, plan, run clock), with the journal's
 * verification and the plan's earlier runs from the store; secrets masked.
 *
 * @example const report = await buildReport(session);
 */
export async function buildReport(session: RunSession, options: ReportOptions = {}): Promise<RunReport> {
  const events = await session.events();
  const verdict = await session.store.verifyJournal(session.runId);
  const history = await readPlanHistory(options.history ?? [session.store], session.plan);
  const report = buildRunReport({
    plan: session.plan,
    events,
    nowMs: session.state.endedAtMs ?? (await session.now()),
    verdict,
    history: {
      runs: history.runs.filter((r) => r.runId !== session.runId),
      observed: history.observed,
    },
  });
  return mapStrings(report, reportRedactor(session));
}

/** The report as Markdown, HTML or PDF bytes. */
export async function renderReport(
  report: RunReport,
  format: ReportFormat,
  options: ReportOptions = {},
): Promise<string | Uint8Array> {
  const doc = reportDocument(report);
  if (format === 'md') return reportMarkdown(doc);
  const html = reportHtml(doc);
  return format === 'html' ? html : printPdf(html, options.chromiumPath);
}

/**
 * Builds, renders and (with `out`) writes the post-migration review of a run: the one function the CLI's
 * `tminus report` and `tminus demo` call. Refuses to replace an existing file unless `overwrite`.
 *
 * @example await writeReport(session, { format: 'html', out: 'review.html' });
 */
export async function writeReport(session: RunSession, options: WriteReportOptions): Promise<WrittenReport> {
  if (!(REPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new TminusError('USAGE', `'${String(options.format)}' is not a report format`, {
      hint: `use one of ${REPORT_FORMATS.join(', ')}`,
    });
  }
  const report = await buildReport(session, options);
  const content = await renderReport(report, options.format, options);
  if (options.out !== undefined) {
    try {
      await writeFile(options.out, content, { flag: options.overwrite ? 'w' : 'wx' });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new TminusError(
        'USAGE',
        code === 'EEXIST'
          ? `'${options.out}' already exists`
          : `cannot write the report to '${options.out}': ${(cause as Error).message}`,
        { cause, ...(code === 'EEXIST' ? { hint: 'pass --force to replace it' } : {}) },
      );
    }
  }
  return { report, format: options.format, content, path: options.out };
}
