import { Command, CommanderError, Option } from 'commander';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { CliIo } from './cli-io.js';
import { EXIT, processIo } from './cli-io.js';
import type { ForecastFlags } from './commands/forecast-command.js';
import type { DataDiffFlags } from './commands/data-diff-command.js';
import type { DemoFlags } from './commands/demo-command.js';
import { createStyle } from './style.js';
import { registerRunCommands } from './run-commands-cli.js';

const VERSION = '0.1.0';

/** Error codes that mean the person typed something wrong, as opposed to the plan being not ok. */
const USAGE_CODES = new Set([
  'USAGE',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'NO_GO_LIVE',
  'UNKNOWN_STEP',
  'RUN_NOT_FOUND',
  'UNAUTHENTICATED',
  'SECRET_UNRESOLVED',
  'RUN_ACTIVE',
  'RUN_AMBIGUOUS',
  'STORE_UNUSABLE',
  'STORE_UNREACHABLE',
]);

/*
 * Every command's module is imported in its action handler, not at the top: a command loads only what
 * it uses (the cloud SDKs, pg and mysql2 load when a command needs them), so `tminus --version` starts
 * about as fast as node itself (bench/cli-start.ts).
 */
function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('tminus')
    .description('Run the cutover of an application and its data from a legacy environment to a new one.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true);

  program
    .command('validate')
    .description('check a plan file and report every problem with file:line:col')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) =>
      setExit(await (await import('./commands/validate-command.js')).validateCommand(file, opts, io)),
    );

  program
    .command('plan')
    .description('print the schedule: planned times, critical path, slack and the point of no return')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option('--go-live <time>', 'T-0 as an ISO time with a zone, or now+10m (default: the plan goLive)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean; goLive?: string }) =>
      setExit(await (await import('./commands/plan-command.js')).planCommand(file, opts, io)),
    );

  program
    .command('forecast')
    .description(
      'P50/P90 end, chance to finish inside the window, learned from earlier runs (live during a run)',
    )
    .argument('[file]', 'plan file: forecast before a run (default: the current run, from where it is now)')
    .option('--run <id>', 'forecast this run from where it is now (default: the unended run)')
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db next to the plan)',
    )
    .option(
      '--from <store>',
      'also learn from the runs in another store (repeat)',
      (v, acc: string[] = []) => [...acc, v],
    )
    .option('--samples <n>', 'Monte Carlo samples (default 10000)')
    .option('--seed <s>', 'random seed: the same seed gives the same forecast (default 1)')
    .option(
      '--spread <x>',
      'tasks without enough history take (1-x) to (1+2x) times their estimate (default 0.2)',
    )
    .option(
      '--min-samples <n>',
      'earlier durations a task needs before they replace its estimate (default 3)',
    )
    .option('--go-live <time>', 'T-0 for clock times, as an ISO time or now+10m (default: the plan goLive)')
    .option('--json', 'machine-readable output')
    .action(async (file: string | undefined, opts: ForecastFlags) =>
      setExit(await (await import('./commands/forecast-command.js')).forecastCommand(file, opts, io)),
    );

  program
    .command('init')
    .description('write a commented plan.yaml to start from')
    .argument('[dir]', 'directory to write plan.yaml into', '.')
    .addOption(new Option('-t, --template <name>', 'template to start from').default('webapp'))
    .option('--force', 'overwrite an existing plan.yaml')
    .action(async (dir: string, opts: { template: string; force?: boolean }) =>
      setExit(await (await import('./commands/init-command.js')).initCommand(dir, opts, io)),
    );

  program
    .command('schema')
    .description('print the JSON Schema of the plan format (for editors)')
    .action(async () => setExit((await import('./commands/schema-command.js')).schemaCommand(io)));

  program
    .command('actions')
    .description('list the actions a plan may use, and whether each is idempotent')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) =>
      setExit((await import('./commands/actions-command.js')).actionsCommand(opts, io)),
    );

  const data = program.command('data').description('compare data between two databases');
  data
    .command('diff')
    .description('compare row counts, in-database checksums and differing rows (exit 0 identical, 1 differs)')
    .option('--source <url>', 'postgres://…, mysql://… or mariadb://…, sqlite:PATH or a SQLite file')
    .option('--target <url>', 'the database the data was copied to')
    .option('--plan <file>', '--source and --target name connections of this plan')
    .option('--table <name>', 'a table to compare (repeat, or comma-separated)', (v, acc: string[] = []) => [
      ...acc,
      v,
    ])
    .option('--all', 'compare every table of the source (and report tables only the target has)')
    .option('--key <cols>', 'key columns, comma-separated (default: the primary key)')
    .option('--columns <cols>', 'compare only these columns (keys always)')
    .option('--exclude <cols>', 'leave these columns out')
    .option('--where <sql>', 'SQL condition applied on both sides')
    .option('--float-decimals <n>', 'decimal places floats are rounded to (default 10)')
    .option('--timestamp-digits <n>', 'fractional-second digits compared (default: the lower precision)')
    .option('--load-time-zone <tz>', 'zone the zone-less side was loaded in (default UTC)')
    .option('--connections <n>', 'sessions per side (default 1)')
    .option('--segment-seconds <s>', 'target duration of one checksum query (default 5)')
    .option('--download-threshold <n>', 'download and compare rows of ranges this small (default 10000)')
    .option('--max-diffs <n>', 'differing keys listed per kind and table (default 1000)')
    .option('--recheck-after <duration>', 'live source: re-check differences after this lag (e.g. 30s)')
    .option(
      '--no-native-hash',
      'PostgreSQL to PostgreSQL: use the canonical hash instead of native row hashes',
    )
    .option('--json-as-text', 'compare JSON as stored text (key order and spacing count)')
    .option(
      '--timestamp-rounding <rule>',
      'round or truncate to the lower precision (default: the target engine)',
    )
    .option('--no-checksums', 'download and compare every row in tminus (a slow cross-check of checksums)')
    .option('--report <file>', 'write the reconciliation report (.md or .html)')
    .option('--json', 'machine-readable output')
    .action(async (opts: DataDiffFlags) =>
      setExit(await (await import('./commands/data-diff-command.js')).dataDiffCommand(opts, io)),
    );

  program
    .command('demo')
    .description(
      'the whole job in one command: two versions of a shop, a traffic switch, users, the war room, a rehearsal',
    )
    .option(
      '--fault <fault>',
      'error-spike (automatic rollback), data-drift (differences), slow-task (a hold)',
    )
    .option(
      '--headless',
      'for CI: no waiting for a key; the exit code says whether the demo did what it promises',
    )
    .option('--json', 'print the result as JSON on stdout (the narrative goes to stderr)')
    .option('--speed <n>', 'run-clock speed-up (default 60: one plan minute per second)')
    .option('--port <n>', 'war-room port (default: any free port)')
    .option(
      '--dir <dir>',
      'where the databases, the store and the report go (default: a new temporary directory)',
    )
    .action(async (opts: DemoFlags) =>
      setExit(await (await import('./commands/demo-command.js')).demoCommand(opts, io)),
    );

  registerRunCommands(program, io, setExit);
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 the thing checked is not ok, 2 usage error.
 *
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exit: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // help and version exit 0; every other parse failure is a usage error.
      return thrown.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const error = coerceError(thrown);
    const bug = error.code === 'INTERNAL' && !(thrown instanceof TminusError);
    if (argv.includes('--json')) {
      // Whoever reads --json output reads errors too: one JSON object on stderr, stdout left clean.
      const body = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
      io.stderr.write(`${JSON.stringify({ error: body })}\n`);
      if (bug) return EXIT.notOk;
      return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.notOk;
    }
    const style = createStyle(io.stderr);
    io.stderr.write(`${style.error('error:')} ${error.message}\n`);
    if (error.hint) io.stderr.write(`  ${style.dim('hint:')} ${error.hint}\n`);
    if (bug) {
      io.stderr.write(`  ${style.dim('this is a bug in tminus; set TMINUS_DEBUG=1 for details')}\n`);
      if (io.env.TMINUS_DEBUG) io.stderr.write(`${(thrown as Error).stack ?? String(thrown)}\n`);
      return EXIT.notOk;
    }
    return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.notOk;
  }
}
