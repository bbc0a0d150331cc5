import type { Command } from 'commander';
import { Option } from 'commander';
import { parseGoLive } from '../core/plan/go-live-time.js';
import { TminusError } from '../core/tminus-error.js';
import type { CliIo } from './cli-io.js';
import type { RunOptions } from './commands/run-command.js';
import type { WorkerFlags } from './commands/worker-command.js';
import type { PersonCommand } from '../core/run/run-commands.js';
import type { WatchCommand } from '../core/go-live/watch-commands.js';
import { remoteAct, remoteLog, remoteOf, remoteStatus } from './remote-run.js';

interface Common {
  server?: string;
  store?: string;
  run?: string;
  as?: string;
  reason?: string;
}

const common = (cmd: Command, person = true): Command => {
  cmd
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db here or above; env TMINUS_STORE)',
    )
    .option('--run <id>', 'the run (default: the most recent; `tminus runs` lists them)');
  if (person) cmd.option('--as <person>', 'who is acting (env TMINUS_AS)');
  return cmd;
};

/** Commands that can also go through a war-room server (`--server URL`, token in TMINUS_TOKEN). */
const remotable = (cmd: Command, person = true): Command =>
  common(cmd, person).option(
    '--server <url>',
    'act through a war-room server (env TMINUS_SERVER; token in TMINUS_TOKEN)',
  );

/** Registers the commands that start, drive, inspect and act on runs. */
export function registerRunCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  // Command modules load in their action handlers, so a command loads only what it uses (see main.ts).
  const act = async (opts: Common, command: PersonCommand | ((now: number) => PersonCommand)) => {
    const remote = remoteOf(opts, io);
    return remote
      ? remoteAct(remote, opts, io, command)
      : (await import('./commands/act-command.js')).actCommand(opts, io, command);
  };
  program
    .command('run')
    .description('start a run of a plan and drive it in the foreground until it ends')
    .argument('<file>', 'plan file (YAML or JSON)')
    .option('--rehearsal', 'a rehearsal (the default): comms go to the test channel, time can be sped up')
    .option('--live', 'the real cutover: wall-clock time, comms on, people decide')
    .option('--speed <n>', 'rehearsals: run the clock n times faster')
    .option(
      '--go-live <time>',
      'T-0: ISO time with a zone, or now+10m (rehearsal default: first phase starts now)',
    )
    .option(
      '--auto-approve',
      'rehearsals: complete manual tasks, sign-offs and gates automatically (actor auto)',
    )
    .option('--dry-run', "record each action's plan instead of executing it")
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db next to the plan; env TMINUS_STORE)',
    )
    .option(
      '--concurrent',
      'start even though another run of this plan is unfinished in the store (refused otherwise)',
    )
    .option(
      '--require-rehearsal',
      'live: refuse unless a rehearsal of this exact plan ended completed or rolled back (plan: live.requireRehearsal)',
    )
    .option(
      '--rehearsals-from <store>',
      'live: also accept rehearsals recorded in this store (a SQLite file or postgres:// URL)',
      (v, acc: string[] = []) => [...acc, v],
    )
    .option('--detach', 'start the run and leave driving it to `tminus worker` processes on the same store')
    .addOption(new Option('--run-id <id>', 'id for the new run').hideHelp())
    .action(async (file: string, opts: RunOptions) =>
      setExit(await (await import('./commands/run-command.js')).runCommand(file, opts, io)),
    );

  program
    .command('store')
    .description('the store itself')
    .command('migrate')
    .description('apply the numbered schema migrations this tminus has and the store lacks')
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db here or above; env TMINUS_STORE)',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { store?: string; json?: boolean }) =>
      setExit(await (await import('./commands/store-command.js')).storeMigrateCommand(opts, io)),
    );

  program
    .command('worker')
    .description(
      'drive the unfinished runs of a shared store beside other workers; take over those of a worker that died',
    )
    .option('--store <url>', 'a postgres:// URL (or a SQLite file on this host); env TMINUS_STORE')
    .option(
      '--lease-ttl <duration>',
      'how long a run stays with a silent worker before another takes it over (default 15s)',
    )
    .option(
      '--poll <duration>',
      'how often to look for runs and events without a hint (default 1s; 500ms works)',
    )
    .option('--max-runs <n>', 'runs driven at once by this worker (default 8; 0: only execute steps)')
    .option(
      '--max-steps <n>',
      'steps of any run executed at once by this worker, on PostgreSQL (default 16; 0: only drive runs)',
    )
    .option(
      '--no-listen',
      'poll only, no LISTEN/NOTIFY hints (behind PgBouncer in transaction mode); env TMINUS_LISTEN=off',
    )
    .action(async (opts: WorkerFlags) =>
      setExit(await (await import('./commands/worker-command.js')).workerCommand(opts, io)),
    );

  common(program.command('resume'))
    .description('continue a run after a crash (becomes its executor); un-pause a paused run')
    .option('--reason <text>', 'why')
    .action(async (opts: Common) =>
      setExit(await (await import('./commands/resume-command.js')).resumeCommand(opts, io)),
    );

  program
    .command('runs')
    .description('list the runs in the store, newest first: id, plan, state, mode, T-0, outcome')
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db here or above; env TMINUS_STORE)',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { store?: string; json?: boolean }) =>
      setExit(await (await import('./commands/runs-command.js')).runsCommand(opts, io)),
    );

  remotable(program.command('status'), false)
    .description('the run at a glance: phases, tasks, who owes what')
    .option('--json', 'machine-readable output')
    .action(async (opts: Common & { json?: boolean }) => {
      const remote = remoteOf(opts, io);
      setExit(
        await (remote
          ? remoteStatus(remote, opts, io)
          : (await import('./commands/status-command.js')).statusCommand(opts, io)),
      );
    });

  remotable(program.command('log'), false)
    .description('the run journal, one line per event')
    .option('--follow', 'keep printing new events until the run ends')
    .option('--origin', "add where each person's command came from (user@host pid, or API token)")
    .option('--json', 'one JSON object per line')
    .action(async (opts: Common & { json?: boolean; follow?: boolean; origin?: boolean }) => {
      const remote = remoteOf(opts, io);
      setExit(
        await (remote
          ? remoteLog(remote, opts, io)
          : (await import('./commands/log-command.js')).logCommand(opts, io)),
      );
    });

  for (const kind of ['complete', 'fail', 'skip', 'retry'] as const) {
    const what = {
      complete: 'mark a manual task done, or settle a held step as done',
      fail: 'mark a manual task (or a step with an unknown outcome) failed: it holds its branch',
      skip: 'skip a task with a reason',
      retry: 'run a held step again',
    }[kind];
    remotable(program.command(kind))
      .description(what)
      .argument('<task>', 'task or rollback step id')
      .option('--reason <text>', kind === 'skip' ? 'why (required)' : 'why')
      .action(async (task: string, opts: Common) =>
        setExit(await act(opts, { kind, stepId: task, ...(opts.reason ? { reason: opts.reason } : {}) })),
      );
  }

  remotable(program.command('vote'))
    .description('vote go or no-go on a gate (no-go needs a reason)')
    .argument('<gate>', 'gate id')
    .argument('<vote>', 'go | no-go')
    .option('--reason <text>', 'why (required for no-go)')
    .action(async (gate: string, vote: string, opts: Common) => {
      if (vote !== 'go' && vote !== 'no-go') {
        throw new TminusError('USAGE', `vote: '${vote}' is not a vote`, { hint: 'go or no-go' });
      }
      setExit(
        await act(opts, {
          kind: 'vote',
          gateId: gate,
          vote,
          ...(opts.reason ? { reason: opts.reason } : {}),
        }),
      );
    });

  const simple = (name: 'pause' | 'abort' | 'rollback', description: string) =>
    remotable(program.command(name))
      .description(description)
      .option('--reason <text>', name === 'pause' ? 'why' : 'why (required)')
      .action(async (opts: Common) =>
        setExit(await act(opts, { kind: name, ...(opts.reason ? { reason: opts.reason } : {}) })),
      );
  simple('pause', 'pause the run: nothing new starts until `tminus resume`');
  simple('abort', 'stop the run now (outcome: aborted)');
  remotable(program.command('rollback'))
    .description('start the rollback procedure')
    .option('--reason <text>', 'why (required)')
    .option('--override', 'after the point of no return: roll back anyway, knowingly (with --reason)')
    .action(async (opts: Common & { override?: boolean }) => {
      if (opts.override && remoteOf(opts, io)) {
        throw new TminusError('USAGE', '--override is not available through a war-room server yet', {
          hint: 'run `tminus rollback --override` where the store is',
        });
      }
      setExit(
        await act(opts, {
          kind: 'rollback',
          ...(opts.reason ? { reason: opts.reason } : {}),
          ...(opts.override ? { override: true } : {}),
        }),
      );
    })
    .command('draft')
    .description("draft rollback.steps from the forward steps' inverses (YAML to paste into the plan)")
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--out <file>', 'write the draft to a file instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(async (file: string, opts: { out?: string; force?: boolean }) =>
      setExit(
        await (await import('./commands/rollback-draft-command.js')).rollbackDraftCommand(file, opts, io),
      ),
    );

  const watchAct = async (opts: Common, command: WatchCommand) =>
    setExit(await (await import('./commands/act-command.js')).actCommand(opts, io, command));
  common(program.command('declare'))
    .description(
      'go-live watch: declare success, or declare a `when: manual` rollback criterion (e.g. a security finding)',
    )
    .argument('<what>', '`success`, or the id of a manual rollback criterion')
    .option('--reason <text>', 'why (required for a criterion, and for success before the monitors agree)')
    .action(async (what: string, opts: Common) => {
      const reason = opts.reason ? { reason: opts.reason } : {};
      await watchAct(
        opts,
        what === 'success'
          ? { kind: 'success', ...reason }
          : { kind: 'declare', criterionId: what, ...reason },
      );
    });

  common(program.command('decide'))
    .description('answer a pending rollback decision on a fired criterion: roll back or carry on')
    .argument('<criterion>', 'the fired criterion (see `tminus status`)')
    .argument('<decision>', 'rollback | continue')
    .option('--reason <text>', 'why (required)')
    .option('--override', 'after the point of no return: roll back anyway, knowingly')
    .action(async (criterion: string, decision: string, opts: Common & { override?: boolean }) => {
      if (decision !== 'rollback' && decision !== 'continue') {
        throw new TminusError('USAGE', `decide: '${decision}' is not a decision`, {
          hint: 'rollback or continue',
        });
      }
      await watchAct(opts, {
        kind: 'decide',
        criterionId: criterion,
        decision,
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.override ? { override: true } : {}),
      });
    });

  remotable(program.command('rebaseline'))
    .description('move T-0 (every time shifts; the journal keeps both)')
    .requiredOption('--go-live <time>', 'the new T-0: ISO time with a zone, or now+10m')
    .option('--reason <text>', 'why')
    .action(async (opts: Common & { goLive: string }) =>
      setExit(
        await act(opts, (now) => {
          const goLiveMs = parseGoLive(opts.goLive, now);
          if (goLiveMs === undefined) {
            throw new TminusError('USAGE', `--go-live: '${opts.goLive}' is not a time`, {
              hint: 'use an ISO time with a zone (2026-12-05T02:00:00Z) or now+10m',
            });
          }
          return { kind: 'rebaseline', goLiveMs, ...(opts.reason ? { reason: opts.reason } : {}) };
        }),
      ),
    );

  remotable(program.command('pull'))
    .description('let a phase start before its time (still after the phases before it)')
    .argument('<phase>', 'phase id')
    .option('--reason <text>', 'why')
    .action(async (phase: string, opts: Common) =>
      setExit(
        await act(opts, {
          kind: 'pull',
          phaseId: phase,
          ...(opts.reason ? { reason: opts.reason } : {}),
        }),
      ),
    );

  common(program.command('check'))
    .description('run the readiness checks and record evidence; --sign ITEM signs off a manual item')
    .option('--sign <item>', 'sign off a manual checklist item (with --as)')
    .option('--note <text>', 'a note with the sign-off')
    .option('--json', 'machine-readable output')
    .option('--server <url>', 'sign off through a war-room server (env TMINUS_SERVER; token in TMINUS_TOKEN)')
    .action(async (opts: Common & { sign?: string; note?: string; json?: boolean }) => {
      const remote = remoteOf(opts, io);
      if (remote && opts.sign === undefined) {
        throw new TminusError('USAGE', 'running the readiness checks through a server is not available yet', {
          hint: 'run `tminus check` where the store is, or sign off with --sign ITEM --server URL',
        });
      }
      setExit(
        await (remote && opts.sign !== undefined
          ? remoteAct(remote, opts, io, {
              kind: 'sign',
              itemId: opts.sign,
              ...(opts.note ? { note: opts.note } : {}),
            })
          : (await import('./commands/check-command.js')).checkCommand(opts, io)),
      );
    });

  common(program.command('report'), false)
    .description('the post-migration review of a run, written from its journal (Markdown, HTML or PDF)')
    .argument('[run]', 'run id (default: --run, else the most recent run)')
    .option('--format <format>', 'md, html or pdf (default: from --out, else md)')
    .option('--out <file>', 'write the report here instead of stdout (required for pdf)')
    .option('--force', 'replace --out if it exists')
    .option('--json', "the report's model as JSON (times in epoch milliseconds)")
    .action(
      async (
        run: string | undefined,
        opts: Common & { format?: string; out?: string; force?: boolean; json?: boolean },
      ) => setExit(await (await import('./commands/report-command.js')).reportCommand(run, opts, io)),
    );

  const audit = program.command('audit').description('audit trail');
  common(audit.command('verify'), false)
    .description('re-compute the hash chain of the journal; exit 1 if anything was edited or deleted')
    .option('--json', 'machine-readable output')
    .action(async (opts: Common & { json?: boolean }) =>
      setExit(await (await import('./commands/audit-command.js')).auditVerifyCommand(opts, io)),
    );

  program
    .command('serve')
    .description('the war room: HTTP API, live stream and dashboard for the runs in a store')
    .option('--port <n>', 'port to listen on (0: any free port)', '7070')
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--store <path>',
      'a SQLite file or a postgres:// URL (default: .tminus/tminus.db here or above; env TMINUS_STORE)',
    )
    .option(
      '--allow-origin <origin>',
      'also accept writes from this origin (e.g. a TLS proxy), repeatable',
      (v, acc: string[] = []) => [...acc, v],
    )
    .action(async (opts: Common & { port?: string; bind?: string; allowOrigin?: string[] }) =>
      setExit(await (await import('./commands/serve-command.js')).serveCommand(opts, io)),
    );

  const token = program.command('token').description('per-person API tokens for the war room');
  token
    .command('create')
    .description('create a token that acts as a person (printed once; only its hash is stored)')
    .option('--as <person>', 'whose token (env TMINUS_AS)')
    .option(
      '--role <role>',
      'person (act as them, checked against plan roles) or viewer (read-only)',
      'person',
    )
    .option('--expires <duration>', 'lifetime, e.g. 12h (default: until revoked)')
    .option('--store <path>', 'a SQLite file or a postgres:// URL (default: the store here or above)')
    .option('--json', 'machine-readable output')
    .action(async (opts: Common & { role?: string; expires?: string; json?: boolean }) =>
      setExit(await (await import('./commands/token-command.js')).tokenCreateCommand(opts, io)),
    );
  token
    .command('list')
    .description('every token with its person, role and state (never a secret)')
    .option('--store <path>', 'a SQLite file or a postgres:// URL')
    .option('--json', 'machine-readable output')
    .action(async (opts: Common & { json?: boolean }) =>
      setExit(await (await import('./commands/token-command.js')).tokenListCommand(opts, io)),
    );
  token
    .command('revoke')
    .description('stop a token working, at once')
    .argument('<id>', 'token id (see token list)')
    .option('--store <path>', 'a SQLite file or a postgres:// URL')
    .action(async (id: string, opts: Common) =>
      setExit(await (await import('./commands/token-command.js')).tokenRevokeCommand(id, opts, io)),
    );
}
