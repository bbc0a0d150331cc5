import { resolve } from 'node:path';
import { computeSchedule } from '../../core/schedule/schedule.js';
import { parseGoLive } from '../../core/plan/go-live-time.js';
import { TminusError } from '../../core/tminus-error.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import { readPlanFile } from '../read-plan-file.js';
import { formatIssues } from '../format-issues.js';
import { formatSchedule, scheduleJson } from '../format-schedule.js';
import { createStyle } from '../style.js';

/** `tminus plan FILE [--go-live T] [--json]`: the schedule, critical path and point of no return. */
export async function planCommand(
  file: string,
  options: { json?: boolean; goLive?: string },
  io: CliIo,
): Promise<number> {
  const { plan, issues } = await readPlanFile(resolve(io.cwd, file));
  if (!plan) {
    io.stderr.write(formatIssues(file, issues, createStyle(io.stderr)) + '\n');
    return EXIT.notOk;
  }
  const goLiveText = options.goLive ?? plan.goLive;
  if (goLiveText === undefined) {
    throw new TminusError('NO_GO_LIVE', 'the plan has no goLive and none was given', {
      hint: 'add goLive: 2026-12-05T02:00:00Z to the plan, or pass --go-live',
    });
  }
  const goLiveMs = parseGoLive(goLiveText, io.now());
  if (goLiveMs === undefined) {
    throw new TminusError('USAGE', `--go-live: '${goLiveText}' is not a time`, {
      hint: 'use an ISO time with a zone (2026-12-05T02:00:00Z) or now+10m',
    });
  }
  const schedule = computeSchedule(plan);
  if (options.json) io.stdout.write(JSON.stringify(scheduleJson(plan, schedule, goLiveMs), null, 2) + '\n');
  else io.stdout.write(formatSchedule(plan, schedule, goLiveMs, createStyle(io.stdout)) + '\n');
  return EXIT.ok;
}
