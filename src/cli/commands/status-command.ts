import { formatDuration } from '../../core/duration.js';
import { formatOffset } from '../../core/offset.js';
import { computeSchedule } from '../../core/schedule.js';
import type { Plan } from '../../core/plan.js';
import type { RunState, StepState } from '../../core/run-state.js';
import { stepOf } from '../../core/run-state.js';
import { computeLiveSchedule } from '../../core/live-schedule.js';
import { formatLiveSchedule, liveScheduleJson } from '../format-live-schedule.js';
import { owed } from '../../engine/who-owes-what.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { openSession } from '../run-context.js';
import type { Style } from '../style.js';
import { createStyle } from '../style.js';

/** Why a held step waits, never empty: the error, else what the hold means. */
export function heldDetail(s: StepState): string {
  const why =
    s.error?.message ??
    s.reason ??
    (s.hold === 'outcome-unknown'
      ? 'it was running when its executor stopped; not run again (not idempotent)'
      : 'failed after its retries');
  return `${s.hold ?? 'held'}: ${why}`;
}

function line(id: string, s: StepState, style: Style, now: number, budgetMs?: number): string {
  const mark =
    s.status === 'succeeded'
      ? style.ok('✔')
      : s.status === 'held'
        ? style.error('!')
        : s.status === 'running'
          ? '▶'
          : s.status === 'skipped'
            ? '↷'
            : s.status === 'waiting'
              ? '…'
              : s.status === 'abandoned'
                ? '✖'
                : '·';
  const burn =
    budgetMs !== undefined && s.firstStartedAtMs !== undefined
      ? ` budget ${formatDuration((s.endedAtMs ?? now) - s.firstStartedAtMs)} / ${formatDuration(budgetMs)}`
      : '';
  const detail = s.status === 'held' ? ` ${heldDetail(s)}` : s.reason ? ` — ${s.reason}` : '';
  return `  ${mark} ${id.padEnd(24)} ${s.status}${s.by && s.by !== 'system' ? ` (${s.by})` : ''}${burn}${detail}`;
}

/** The run at a glance, as text. */
export function formatStatus(plan: Plan, state: RunState, now: number, style: Style): string {
  const out: string[] = [];
  out.push(
    `${style.bold(state.planTitle)}  run ${state.runId} (${state.mode}${state.dryRun ? ', dry run' : ''})  ${state.status}${state.outcome ? `: ${style.bold(state.outcome)}` : ''}`,
  );
  if (state.mode === 'live') {
    out.push(
      state.rehearsal
        ? `  rehearsed: run ${state.rehearsal.runId} of this exact plan ended ${state.rehearsal.outcome}`
        : style.warning('  not rehearsed: no rehearsal of this exact plan ended completed or rolled back'),
    );
  }
  const pnr = computeSchedule(plan).pointOfNoReturnMs;
  const pnrText =
    pnr === undefined
      ? ''
      : `   point of no return ${formatOffset(pnr)}${state.status === 'ended' ? '' : now - state.goLiveMs > pnr ? ' (PASSED: a rollback no longer fits the window)' : ` (in ${formatDuration(pnr - (now - state.goLiveMs))})`}`;
  out.push(
    `  now ${formatOffset(now - state.goLiveMs)}   T-0 ${new Date(state.goLiveMs).toISOString()}${state.goLiveHistory.length > 1 ? ` (rebaselined ${state.goLiveHistory.length - 1}×)` : ''}${pnrText}`,
  );
  out.push(...formatLiveSchedule(plan, state, now, style));
  for (const phase of plan.phases) {
    out.push(
      style.bold(
        `${phase.id} @ ${formatOffset(phase.atMs)}${state.pulledPhases.includes(phase.id) ? ' (pulled forward)' : ''}`,
      ),
    );
    for (const id of phase.taskIds) out.push(line(id, stepOf(state, id), style, now));
  }
  if (state.rollback) {
    out.push(style.warning(`rollback (${state.rollback.by}): ${state.rollback.reason}`));
    for (const s of plan.rollback.steps) out.push(line(s.id, stepOf(state, s.id), style, now, s.budgetMs));
  }
  if (!state.rollback && state.status !== 'ended') {
    for (const [id, fired] of Object.entries(state.firedCriteria)) {
      const auto = plan.rollback.auto
        ? 'rolling back automatically'
        : plan.rollback.decisionDeadlineMs !== undefined
          ? `rollback starts by itself at ${formatOffset(fired.atMs + plan.rollback.decisionDeadlineMs - state.goLiveMs)} unless decided`
          : 'a lead decides: `tminus rollback --reason ...` or carry on';
      out.push(
        style.warning(
          `criterion ${id} fired at ${formatOffset(fired.atMs - state.goLiveMs)}: ${fired.detail} — ${auto}`,
        ),
      );
    }
  }
  const last = state.takeOvers.at(-1);
  if (last) {
    out.push(
      style.warning(
        `taken over ${state.takeOvers.length === 1 ? 'once' : `${state.takeOvers.length}×`}: last at ${formatOffset(last.atMs - state.goLiveMs)} by ${last.by} from ${last.from} (its lease ran out)`,
      ),
    );
  }
  for (const r of state.rejectedWrites) {
    out.push(
      style.warning(
        `rejected at ${formatOffset(r.atMs - state.goLiveMs)}: late write from ${r.holder} (epoch ${r.epoch}, lease lost): ${r.refused.join(', ')} — not applied`,
      ),
    );
  }
  const owes = owed(plan, state);
  if (owes.length > 0 && state.status !== 'ended') {
    out.push(style.bold('waiting for'));
    for (const o of owes) out.push(`  ${o.step}: ${o.who.join(', ') || 'a run lead'} — ${o.what}`);
  }
  return out.join('\n');
}

/** `tminus status [--json]`. */
export async function statusCommand(options: StoreOptions & { json?: boolean }, io: CliIo): Promise<number> {
  const { store, session } = await openSession(options, io, {}, 'read');
  let driving: Awaited<ReturnType<typeof session.driver>>;
  let now: number;
  try {
    driving = await session.driver();
    now = await session.now();
  } finally {
    await store.close();
  }
  const { plan, state } = session;
  if (options.json) {
    const json = {
      ...state,
      planText: undefined,
      nowMs: now,
      executor: driving ?? null,
      owed: owed(plan, state),
      schedule: liveScheduleJson(computeLiveSchedule(plan, state, now), state.goLiveMs),
    };
    io.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    const style = createStyle(io.stdout);
    io.stdout.write(formatStatus(plan, state, now, style) + '\n');
    if (state.status !== 'ended') {
      io.stdout.write(
        driving
          ? style.dim(`driven by pid ${driving.pid} on ${driving.host}\n`)
          : style.warning('no executor is driving this run: continue it with `tminus resume`\n'),
      );
    }
  }
  return EXIT.ok;
}
