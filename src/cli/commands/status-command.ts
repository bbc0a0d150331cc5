import { formatDuration } from '../../core/plan/duration.js';
import { formatOffset } from '../../core/plan/offset.js';
import { computeSchedule } from '../../core/schedule/schedule.js';
import type { Plan } from '../../core/plan/plan.js';
import type { RunState, StepState } from '../../core/run/run-state.js';
import { stepOf } from '../../core/run/run-state.js';
import { computeLiveSchedule } from '../../core/schedule/live-schedule.js';
import { formatLiveSchedule, liveScheduleJson } from '../format-live-schedule.js';
import { owed } from '../../engine/who-owes-what.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../cli-io.js';
import type { StoreOptions } from '../run-context.js';
import { openSession } from '../run-context.js';
import type { Style } from '../style.js';
import { createStyle } from '../style.js';
import type { WatchState } from '../../core/go-live/watch-state.js';
import { watchSummary } from '../../core/go-live/watch-summary.js';
import { ROLLBACK_VERIFY_ID } from '../../core/rollback/rollback-verify.js';

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

const value = (v: unknown): string =>
  v === undefined ? '' : ` = ${typeof v === 'number' ? String(v) : (JSON.stringify(v)?.slice(0, 60) ?? '')}`;

/** The go-live watch in status: each monitor's phase, last measurement and verdict; decisions owed. */
export function formatWatch(
  plan: Plan,
  state: RunState,
  watch: WatchState,
  now: number,
  style: Style,
): string[] {
  const out: string[] = [];
  const summary = watchSummary(plan, state, watch);
  const at = (ms: number) => formatOffset(ms - state.goLiveMs);
  if (summary.monitors.length > 0) out.push(style.bold('monitors'));
  for (const m of summary.monitors) {
    const mark =
      m.phase === 'successful'
        ? style.ok('✔')
        : m.phase === 'failed' || m.phase === 'error'
          ? style.error('!')
          : m.phase === 'inconclusive'
            ? style.warning('?')
            : m.state === 'watching'
              ? '▶'
              : '·';
    const last = m.last
      ? `last #${m.last.n} at ${at(m.last.atMs)}${value(m.last.value)}: ${m.last.outcome} — ${m.last.reason}`
      : 'no measurement yet';
    const next = m.nextAtMs === undefined ? '' : `; next at ${at(m.nextAtMs)}`;
    const c = m.counters;
    out.push(
      `  ${mark} ${m.id.padEnd(24)} ${m.phase}${m.dryRun ? ' (dry run)' : ''}  ${c.successful} ok, ${c.failed} failed, ${c.inconclusive} inconclusive, ${c.error} errors  ${last}${next}`,
    );
  }
  for (const d of summary.pending) {
    const when =
      d.deadlineAtMs === undefined
        ? 'no deadline: it waits for a lead'
        : now >= d.deadlineAtMs
          ? `deadline ${at(d.deadlineAtMs)} passed: ${d.default} applies`
          : `deadline ${at(d.deadlineAtMs)} (in ${formatDuration(d.deadlineAtMs - now)}), then ${d.default}`;
    out.push(
      style.warning(
        `DECISION PENDING on ${d.criterionId} (${d.severity}, fired at ${at(d.firedAtMs)}): ${d.detail} — ${when}`,
      ),
      `  tminus decide ${d.criterionId} rollback|continue --reason "…" --as LEAD`,
    );
  }
  if (!state.rollback && state.status !== 'ended') {
    for (const [id, fired] of Object.entries(state.firedCriteria)) {
      if (watch.asked[id] || watch.decisions[id]) continue;
      out.push(style.warning(`criterion ${id} fired at ${at(fired.atMs)}: ${fired.detail}`));
    }
  }
  if (watch.success) {
    out.push(
      style.ok(
        `go-live success declared by ${watch.success.by} at ${at(watch.success.atMs)}: ${watch.success.reason}`,
      ),
    );
  }
  return out;
}

/** The run at a glance, as text. */
export function formatStatus(
  plan: Plan,
  state: RunState,
  watch: WatchState,
  now: number,
  style: Style,
): string {
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
    if (plan.rollback.verify) {
      const v = stepOf(state, ROLLBACK_VERIFY_ID);
      const evidence = v.status === 'succeeded' && v.summary ? ` — ${v.summary}` : '';
      out.push(`${line(ROLLBACK_VERIFY_ID, v, style, now)}${evidence}`);
    }
  }
  const runTakeOvers = state.takeOvers.filter((t) => t.stepId === undefined);
  const last = runTakeOvers.at(-1);
  if (last) {
    out.push(
      style.warning(
        `taken over ${runTakeOvers.length === 1 ? 'once' : `${runTakeOvers.length}×`}: last at ${formatOffset(last.atMs - state.goLiveMs)} by ${last.by} from ${last.from} (its lease ran out)`,
      ),
    );
  }
  for (const t of state.takeOvers) {
    if (t.stepId === undefined) continue;
    out.push(
      style.warning(
        `step ${t.stepId} taken over at ${formatOffset(t.atMs - state.goLiveMs)} by ${t.by} from ${t.from} (its step lease ran out)`,
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
  out.push(...formatWatch(plan, state, watch, now, style));
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
  const watch = session.watch();
  if (options.json) {
    const json = {
      ...state,
      planText: undefined,
      nowMs: now,
      executor: driving ?? null,
      owed: owed(plan, state),
      schedule: liveScheduleJson(computeLiveSchedule(plan, state, now), state.goLiveMs),
      watch: watchSummary(plan, state, watch),
    };
    io.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    const style = createStyle(io.stdout);
    io.stdout.write(formatStatus(plan, state, watch, now, style) + '\n');
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
