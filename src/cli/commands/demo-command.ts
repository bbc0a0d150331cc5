import { createInterface } from 'node:readline';
import { TminusError } from '../../core/tminus-error.js';
import { FAULTS, runDemo, type DemoFault, type DemoResult } from '../../demo/run-demo.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { formatEvent } from '../format-event.js';
import { createStyle } from '../style.js';

export interface DemoFlags {
  readonly fault?: string;
  readonly headless?: boolean;
  readonly json?: boolean;
  readonly speed?: string;
  readonly port?: string;
  readonly dir?: string;
}

function parseFlags(flags: DemoFlags): { fault?: DemoFault; speed?: number; port?: number } {
  const out: { fault?: DemoFault; speed?: number; port?: number } = {};
  if (flags.fault !== undefined) {
    if (!(FAULTS as readonly string[]).includes(flags.fault)) {
      throw new TminusError('USAGE', `--fault: '${flags.fault}' is not a fault the demo knows`, {
        hint: `one of ${FAULTS.join(', ')}`,
      });
    }
    out.fault = flags.fault as DemoFault;
  }
  if (flags.speed !== undefined) {
    const speed = Number(flags.speed);
    if (!/^\d+(\.\d+)?$/.test(flags.speed.trim()) || speed < 1 || speed > 600) {
      throw new TminusError('USAGE', `--speed: '${flags.speed}' is not a speed-up factor`, {
        hint: 'a number from 1 to 600 (default 60: one plan minute per second)',
      });
    }
    out.speed = speed;
  }
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(flags.port.trim()) || port > 65_535) {
      throw new TminusError('USAGE', `--port: '${flags.port}' is not a port number`, {
        hint: '0–65535 (0: any free port)',
      });
    }
    out.port = port;
  }
  return out;
}

const waitForEnter = (io: CliIo, prompt: string): Promise<void> =>
  new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: io.stdout });
    rl.question(prompt, () => {
      rl.close();
      resolve();
    });
  });

/**
 * `tminus demo [--fault F] [--headless] [--json]`: the whole job in one command (see src/demo/run-demo.ts).
 * The narrative goes to stdout (stderr with --json, whose stdout is the result). Exit 0 when the demo did
 * what it promises for its fault (and no user request failed), 1 otherwise.
 */
export async function demoCommand(flags: DemoFlags, io: CliIo): Promise<number> {
  const parsed = parseFlags(flags);
  const out = flags.json ? io.stderr : io.stdout;
  const style = createStyle(out);
  const interactive = !flags.headless && process.stdin.isTTY === true && io.stdout.isTTY === true;
  const say = (line: string) => out.write(`${line}\n`);
  say(
    style.bold(
      'tminus demo — a rehearsal of a shop moving to its new version, with users on it the whole time',
    ),
  );
  const result: DemoResult = await runDemo({
    ...parsed,
    ...(flags.dir ? { dir: flags.dir } : {}),
    say: (line) => say(`  ${style.dim('▸')} ${line}`),
    onEvent: (e, goLiveMs) => say(formatEvent(e, goLiveMs, style)),
    onReady: (ready) => {
      say(`war room      ${style.bold(ready.dashboardUrl)}  (paste this viewer token: ${ready.viewerToken})`);
      if (!ready.dashboardBuilt) {
        say(
          '              (the dashboard is not built here: `npm run build` builds it; the API answers meanwhile)',
        );
      }
      say(`files         ${ready.dir}`);
    },
    ...(interactive
      ? { beforeStop: () => waitForEnter(io, '\nThe dashboard stays up: press Enter to stop the demo. ') }
      : {}),
  });
  if (flags.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  say('');
  say(summary(result, style));
  return result.problems.length === 0 ? EXIT.ok : EXIT.notOk;
}

/** The closing summary: outcome, counts, what the fault showed, where the report is. */
export function summary(r: DemoResult, style: ReturnType<typeof createStyle>): string {
  const u = r.users;
  const served = Object.entries(u.servedBy)
    .map(([by, n]) => `${n} by ${by}`)
    .join(', ');
  const lines = [
    style.bold(`outcome: ${r.outcome ?? 'none'}`) + (r.endReason ? ` — ${r.endReason}` : ''),
    `user requests: ${u.requests} sent, ${r.users.failed === 0 ? style.ok('0 failed') : style.error(`${u.failed} failed`)} (${served}); slowest answer ${(u.slowestMs / 1000).toFixed(1)} s`,
    `switch: ${r.proxy.held} requests held during maintenance (longest ${(r.proxy.longestHoldMs / 1000).toFixed(1)} s), ${r.proxy.retried} retried on the other side after a 5xx; users now on ${Object.entries(
      r.finalWeights,
    )
      .filter(([, w]) => w > 0)
      .map(([n]) => n)
      .join(', ')}`,
    `data: ${r.replicated} changes replicated from legacy after the initial load; writes: ${r.writes.legacy} on legacy, ${r.writes.new} on new`,
  ];
  if (r.dataValidation) {
    lines.push(
      `data validation: ${r.dataValidation.ok ? 'identical' : style.warning(`differences — ${r.dataValidation.summary}`)} (${r.dataValidation.report})`,
    );
  }
  for (const h of r.holds) lines.push(`held: ${h.step} (${h.reason}) — ${h.settled}`);
  if (r.rollback) {
    lines.push(
      r.rollback.criterion
        ? `rollback: automatic, criterion '${r.rollback.criterion}' fired`
        : `rollback: by ${r.rollback.by}: ${r.rollback.reason}`,
    );
  }
  lines.push(
    `team: ${r.team.length} commands through the run session (${[...new Set(r.team.map((t) => t.person))].join(', ')})`,
  );
  lines.push(`war room: ${r.dashboardUrl} (stopped with the demo); store ${r.store}`);
  lines.push(`report: ${style.bold(r.reportPath)}`);
  lines.push(`took ${(r.realMs / 1000).toFixed(1)} s`);
  lines.push(
    r.problems.length === 0
      ? style.ok(`DEMO OK${r.fault ? ` (fault ${r.fault} handled)` : ''}`)
      : style.error(`DEMO NOT OK:\n- ${r.problems.join('\n- ')}`),
  );
  return lines.join('\n');
}
