import { Command, CommanderError, Option } from 'commander';
import { TminusError, coerceError } from '../core/tminus-error.js';
import type { CliIo } from './cli-io.js';
import { EXIT, processIo } from './cli-io.js';
import { validateCommand } from './commands/validate-command.js';
import { planCommand } from './commands/plan-command.js';
import { initCommand } from './commands/init-command.js';
import { schemaCommand } from './commands/schema-command.js';
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
]);

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
    .action(async (file: string, opts: { json?: boolean }) => setExit(await validateCommand(file, opts, io)));

  program
    .command('plan')
    .description('print the schedule: planned times, critical path, slack and the point of no return')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option('--go-live <time>', 'T-0 as an ISO time with a zone, or now+10m (default: the plan goLive)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean; goLive?: string }) =>
      setExit(await planCommand(file, opts, io)),
    );

  program
    .command('init')
    .description('write a commented plan.yaml to start from')
    .argument('[dir]', 'directory to write plan.yaml into', '.')
    .addOption(new Option('-t, --template <name>', 'template to start from').default('webapp'))
    .option('--force', 'overwrite an existing plan.yaml')
    .action(async (dir: string, opts: { template: string; force?: boolean }) =>
      setExit(await initCommand(dir, opts, io)),
    );

  program
    .command('schema')
    .description('print the JSON Schema of the plan format (for editors)')
    .action(() => setExit(schemaCommand(io)));

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
    const style = createStyle(io.stderr);
    io.stderr.write(`${style.error('error:')} ${error.message}\n`);
    if (error.hint) io.stderr.write(`  ${style.dim('hint:')} ${error.hint}\n`);
    if (error.code === 'INTERNAL' && !(thrown instanceof TminusError)) {
      io.stderr.write(`  ${style.dim('this is a bug in tminus; set TMINUS_DEBUG=1 for details')}\n`);
      if (io.env.TMINUS_DEBUG) io.stderr.write(`${(thrown as Error).stack ?? String(thrown)}\n`);
      return EXIT.notOk;
    }
    return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.notOk;
  }
}
