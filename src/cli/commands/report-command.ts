import { extname, relative, resolve } from 'node:path';
import { TminusError } from '../../core/tminus-error.js';
import type { ReportFormat } from '../../engine/report/write-report.js';
import { REPORT_FORMATS, buildReport, writeReport } from '../../engine/report/write-report.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { openSession } from '../run-context.js';

export interface ReportFlags extends StoreOptions {
  readonly format?: string;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

const BY_EXTENSION: Readonly<Record<string, ReportFormat>> = {
  '.md': 'md',
  '.markdown': 'md',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
};

function formatOf(flags: ReportFlags): ReportFormat {
  if (flags.format === undefined) {
    return (flags.out && BY_EXTENSION[extname(flags.out).toLowerCase()]) || 'md';
  }
  if (!(REPORT_FORMATS as readonly string[]).includes(flags.format)) {
    throw new TminusError('USAGE', `--format: '${flags.format}' is not a report format`, {
      hint: `use ${REPORT_FORMATS.join(', ')}`,
    });
  }
  return flags.format as ReportFormat;
}

/**
 * `tminus report [RUN] [--format md|html|pdf] [--out FILE] [--force] [--json]`: the post-migration review of
 * a run (the most recent by default), written from its journal. Markdown and HTML go to stdout without
 * --out; a PDF needs --out; --json prints the report's model (times in epoch milliseconds).
 */
export async function reportCommand(
  runArg: string | undefined,
  flags: ReportFlags,
  io: CliIo,
): Promise<number> {
  if (runArg !== undefined && flags.run !== undefined && runArg !== flags.run) {
    throw new TminusError('USAGE', `two runs given: '${runArg}' and --run '${flags.run}'`, {
      hint: 'name the run once',
    });
  }
  if (flags.json && (flags.format !== undefined || flags.out !== undefined)) {
    throw new TminusError('USAGE', '--json prints the report model: give it without --format and --out', {
      hint: 'tminus report --json > review.json',
    });
  }
  const format = formatOf(flags);
  if (format === 'pdf' && flags.out === undefined) {
    throw new TminusError('USAGE', 'a PDF report needs --out FILE', { hint: 'e.g. --out review.pdf' });
  }
  const out = flags.out === undefined ? undefined : resolve(io.cwd, flags.out);
  const run = runArg ?? flags.run;
  const { store, session } = await openSession(
    { ...flags, ...(run === undefined ? {} : { run }) },
    io,
    {},
    'read',
  );
  try {
    if (flags.json) {
      io.stdout.write(JSON.stringify(await buildReport(session), null, 2) + '\n');
      return EXIT.ok;
    }
    const written = await writeReport(session, {
      format,
      ...(out === undefined ? {} : { out }),
      overwrite: flags.force === true,
    });
    if (out === undefined) io.stdout.write(written.content);
    else {
      io.stderr.write(
        `wrote the ${format} report of run ${session.runId} to ${relative(io.cwd, out) || out}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
